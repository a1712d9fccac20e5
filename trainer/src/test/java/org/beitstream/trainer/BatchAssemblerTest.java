package org.beitstream.trainer;

import org.beitstream.model.beit.BeitConfig;
import org.beitstream.schemas.TokenizedImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchAssemblerTest {
    private static final BeitConfig MODEL = SyntheticImages.TINY;

    static TrainerConfig config(int batchSize, TrainerConfig.Replay replay) {
        TrainerConfig defaults = TrainerConfig.defaults("unit", "tiny", MODEL);
        return new TrainerConfig("unit", "tiny", MODEL, Optional.empty(), batchSize, defaults.schedule(),
                defaults.checkpoints(), defaults.limits(), replay, 7, defaults.maskedPatchesPerImage(), 1, 5,
                Optional.empty(), TrainerConfig.Devices.AUTO);
    }

    @Test
    void labelsAreTheTokensAtMaskedPositionsImageMajorAndPixelsAreNormalised() {
        BatchAssembler assembler = new BatchAssembler(config(3, TrainerConfig.Replay.off()), Optional.empty(), Map.of(), 0);
        Random random = new Random(1);
        List<TokenizedImage> images = new ArrayList<>();
        Optional<Batch> batch = Optional.empty();
        for (int i = 0; i < 3; i++) {
            TokenizedImage image = SyntheticImages.image(MODEL, "i" + i, "v1", random);
            images.add(image);
            batch = assembler.add(0, i, image);
            assertEquals(i == 2, batch.isPresent(), "a batch completes with its third image");
        }
        Batch b = batch.orElseThrow();
        int patches = MODEL.numPatches();
        int masked = TrainerConfig.defaultMaskedPatches(MODEL);
        assertEquals(3 * masked, b.labels().length);
        int label = 0;
        for (int image = 0; image < 3; image++) {
            int count = 0;
            for (int n = 0; n < patches; n++) {
                if (b.mask()[image * patches + n]) {
                    assertEquals((long) images.get(image).getTokens().get(n), b.labels()[label++],
                            "label of image " + image + " patch " + n);
                    count++;
                }
            }
            assertEquals(masked, count, "the v2 generator masks exactly the asked number of patches");
        }
        // Grey pixels map [0, 255] to [-1, 1].
        byte first = images.get(0).getPixels().getData().get(0);
        assertEquals((first & 0xFF) / 127.5f - 1f, b.images()[0], 1e-6);
        assertEquals(Map.of(0, 3L), b.nextOffsets());
        assertEquals("v1", b.tokenizerVersion());
    }

    @Test
    void recordsOfAnotherTokenizerVersionAreCountedAndSkippedButMoveTheOffsets() {
        BatchAssembler assembler = new BatchAssembler(config(2, TrainerConfig.Replay.off()), Optional.empty(),
                Map.of(0, 10L, 1, 20L, 2, 5L), 0);
        assembler.startFrom(Map.of(0, 10L, 1, 20L, 2, 5L));
        Random random = new Random(2);
        // The first record pins v1; v2 records are skipped.
        assertFalse(assembler.add(0, 10, SyntheticImages.image(MODEL, "a", "v1", random)).isPresent());
        assertFalse(assembler.add(1, 20, SyntheticImages.image(MODEL, "b", "v2", random)).isPresent());
        assertFalse(assembler.add(1, 21, SyntheticImages.image(MODEL, "c", "v2", random)).isPresent());
        Batch batch = assembler.add(0, 11, SyntheticImages.image(MODEL, "d", "v1", random)).orElseThrow();
        assertEquals(2, batch.size());
        assertEquals(2, batch.otherVersionRecords());
        assertEquals(Map.of(0, 12L, 1, 22L, 2, 5L), batch.nextOffsets(), "partition 2 keeps its start offset");
    }

    @Test
    void aPinnedVersionSkipsEvenTheFirstRecordsOfOthersAndMisfitsAreSkipped() {
        BatchAssembler assembler = new BatchAssembler(config(1, TrainerConfig.Replay.off()), Optional.of("v2"), Map.of(), 0);
        Random random = new Random(3);
        assertFalse(assembler.add(0, 0, SyntheticImages.image(MODEL, "a", "v1", random)).isPresent());
        BeitConfig otherGrid = new BeitConfig(8, 4, 1, 16, 2, 2, 2.0, 1, 1, 16, 0.1, true, false, false, true, 0.02);
        assertFalse(assembler.add(0, 1, SyntheticImages.image(otherGrid, "b", "v2", random)).isPresent());
        Batch batch = assembler.add(0, 2, SyntheticImages.image(MODEL, "c", "v2", random)).orElseThrow();
        assertEquals(1, batch.otherVersionRecords());
        assertEquals(1, batch.incompatibleRecords());
        assertEquals(Map.of(0, 3L), batch.nextOffsets());
    }

    @Test
    void masksDependOnlyOnTheSeedAndTheBatchIndexSoAResumedRunDrawsTheSameOnes() {
        TrainerConfig config = config(1, TrainerConfig.Replay.off());
        TokenizedImage image = SyntheticImages.image(MODEL, "x", "v1", new Random(4));
        BatchAssembler uninterrupted = new BatchAssembler(config, Optional.empty(), Map.of(), 0);
        List<boolean[]> masks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            masks.add(uninterrupted.add(0, i, image).orElseThrow().mask());
        }
        BatchAssembler resumed = new BatchAssembler(config, Optional.of("v1"), Map.of(0, 2L), 2);
        assertArrayEquals(masks.get(2), resumed.add(0, 2, image).orElseThrow().mask());
        assertArrayEquals(masks.get(3), resumed.add(0, 3, image).orElseThrow().mask());
        assertFalse(Arrays.equals(masks.get(0), masks.get(1)), "consecutive batches get different masks");
    }

    @Test
    void replayMixesImagesOfEarlierBatchesIntoFreshOnes() {
        BatchAssembler assembler = new BatchAssembler(config(4, new TrainerConfig.Replay(16, 0.5)),
                Optional.empty(), Map.of(), 0);
        Random random = new Random(5);
        List<Batch> batches = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; batches.size() < 3; i++) {
            TokenizedImage image = SyntheticImages.image(MODEL, "r" + i, "v1", random);
            order.add(image.getId());
            assembler.add(0, i, image).ifPresent(batches::add);
        }
        assertEquals(0, batches.get(0).replayed(), "nothing to replay before the first batch");
        assertEquals(2, batches.get(1).replayed());
        assertEquals(2, batches.get(2).replayed());
        // 4 fresh images, then 2 fresh + 2 replayed per batch: 8 records read for 3 batches.
        assertEquals(8, order.size());
        assertEquals(Map.of(0, 8L), batches.get(2).nextOffsets());
        assertTrue(batches.stream().allMatch(b -> b.size() == 4));
    }
}
