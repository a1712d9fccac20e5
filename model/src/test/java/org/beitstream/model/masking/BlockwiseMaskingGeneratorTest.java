package org.beitstream.model.masking;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockwiseMaskingGeneratorTest {
    private static final MaskingConfig RECIPE = MaskingConfig.beitV2Base();

    @Test
    void v2MasksExactlyTheRequestedNumberOnEverySeed() {
        var generator = new BlockwiseMaskingGenerator(RECIPE, BlockwiseMaskingGenerator.Variant.BEIT_V2);
        var tiny = new BlockwiseMaskingGenerator(new MaskingConfig(4, 6, 2, null, 0.3, null),
                BlockwiseMaskingGenerator.Variant.BEIT_V2);
        for (long seed = 0; seed < 500; seed++) {
            assertEquals(75, generator.generate(new SeededMaskRandom(seed)).count(), "seed " + seed);
            assertEquals(6, tiny.generate(new SeededMaskRandom(seed)).count(), "seed " + seed);
        }
    }

    @Test
    void v1NeverOvershootsAndSometimesFallsShort() {
        var generator = new BlockwiseMaskingGenerator(RECIPE, BlockwiseMaskingGenerator.Variant.BEIT_V1);
        int shortMasks = 0;
        for (long seed = 0; seed < 500; seed++) {
            int count = generator.generate(new SeededMaskRandom(seed)).count();
            assertTrue(count <= 75, "seed " + seed + " masked " + count);
            shortMasks += count < 75 ? 1 : 0;
        }
        // The v2 correction exists because blocks alone often stop short of the target.
        assertTrue(shortMasks > 0);
    }

    @Test
    void blocksRespectAreaAndAspectBounds() {
        var generator = new BlockwiseMaskingGenerator(RECIPE, BlockwiseMaskingGenerator.Variant.BEIT_V2);
        int blocks = 0;
        for (long seed = 0; seed < 200; seed++) {
            PatchMask mask = generator.generate(new SeededMaskRandom(seed));
            int covered = 0;
            for (PatchMask.MaskBlock b : mask.blocks()) {
                blocks++;
                assertTrue(b.height() < 14 && b.width() < 14, b.toString());
                assertTrue(b.top() + b.height() <= 14 && b.left() + b.width() <= 14, b.toString());
                // h and w are rounded from sqrt(area * aspect) and sqrt(area / aspect): allow half a cell each.
                double maxAspect = (b.height() + 0.5) / Math.max(b.width() - 0.5, 1e-9);
                double minAspect = Math.max(b.height() - 0.5, 0) / (b.width() + 0.5);
                assertTrue(maxAspect >= 0.3 && minAspect <= 1 / 0.3, b.toString());
                // The area is drawn between min_num_patches and what is still missing, whichever is smaller.
                int smallestArea = Math.min(16, 75 - covered);
                assertTrue((b.height() + 0.5) * (b.width() + 0.5) >= smallestArea, b.toString());
                assertTrue(b.newlyMasked() >= 1 && b.newlyMasked() <= 75 - covered, b.toString());
                covered += b.newlyMasked();
            }
        }
        assertTrue(blocks > 200, "expected several blocks per mask, got " + blocks);
    }

    @Test
    void sameSeedSameMaskDifferentSeedDifferentMask() {
        var generator = new BlockwiseMaskingGenerator(RECIPE, BlockwiseMaskingGenerator.Variant.BEIT_V2);
        boolean[] a = generator.generate(new SeededMaskRandom(42)).masked();
        assertArrayEquals(a, generator.generate(new SeededMaskRandom(42)).masked());
        assertFalse(Arrays.equals(a, generator.generate(new SeededMaskRandom(43)).masked()));
    }

    @Test
    void replayRefusesADivergingCall() {
        var replay = new ReplayMaskRandom(java.util.List.of(new ReplayMaskRandom.RandInt(0, 3, 1)));
        assertThrows(IllegalStateException.class, () -> replay.uniform(0, 1));
    }

    @Test
    void invalidSettingsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MaskingConfig(14, 200, 16, null, 0.3, null));
        assertTrue(e.getMessage().contains("num_masking_patches"));
        e = assertThrows(IllegalArgumentException.class, () -> new MaskingConfig(14, 75, 16, 8, 0.3, null));
        assertTrue(e.getMessage().contains("max_num_patches"));
        e = assertThrows(IllegalArgumentException.class, () -> new MaskingConfig(14, 75, 16, null, 0, null));
        assertTrue(e.getMessage().contains("min_aspect"));
    }
}
