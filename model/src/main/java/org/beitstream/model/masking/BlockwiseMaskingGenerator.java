package org.beitstream.model.masking;

import java.util.ArrayList;
import java.util.List;

/**
 * BEiT's blockwise masking: rectangles of random area and log-uniform aspect ratio are dropped on the
 * patch grid until the target number of patches is covered or no block fits.
 *
 * <p>Two variants exist in the authors' code. {@link Variant#BEIT_V1} stops there, so a mask may cover
 * slightly fewer patches than asked. {@link Variant#BEIT_V2} then flips randomly chosen cells so that
 * exactly {@code numMaskingPatches} are masked; the cells are chosen by index into the list of candidate
 * cells in row-major order, which is what makes a recorded NumPy draw replayable here.
 */
public final class BlockwiseMaskingGenerator {
    /** The authors try this many placements per block before giving up on it. */
    private static final int PLACEMENT_ATTEMPTS = 10;

    public enum Variant { BEIT_V1, BEIT_V2 }

    private final MaskingConfig config;
    private final Variant variant;

    public BlockwiseMaskingGenerator(MaskingConfig config, Variant variant) {
        this.config = config;
        this.variant = variant;
    }

    public MaskingConfig config() {
        return config;
    }

    /** Draws one mask; all randomness comes from {@code random}. */
    public PatchMask generate(MaskRandom random) {
        int side = config.inputSize();
        boolean[] mask = new boolean[side * side];
        List<PatchMask.MaskBlock> blocks = new ArrayList<>();
        int count = 0;
        while (count < config.numMaskingPatches()) {
            // A block may never add more than what is still missing.
            int budget = Math.min(config.numMaskingPatches() - count, config.blockAreaMax());
            PatchMask.MaskBlock block = placeBlock(mask, budget, random);
            if (block == null) {
                break;
            }
            blocks.add(block);
            count += block.newlyMasked();
        }
        if (variant == Variant.BEIT_V2) {
            if (count > config.numMaskingPatches()) {
                flip(mask, true, count - config.numMaskingPatches(), random);
            } else if (count < config.numMaskingPatches()) {
                flip(mask, false, config.numMaskingPatches() - count, random);
            }
        }
        return new PatchMask(side, mask, blocks);
    }

    /** Up to ten tries to place one rectangle that adds between 1 and {@code budget} new cells. */
    private PatchMask.MaskBlock placeBlock(boolean[] mask, int budget, MaskRandom random) {
        int side = config.inputSize();
        for (int attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
            double area = random.uniform(config.minNumPatches(), budget);
            double aspect = Math.exp(random.uniform(config.logAspectMin(), config.logAspectMax()));
            // Math.rint rounds half to even, as Python's round() does.
            int h = (int) Math.rint(Math.sqrt(area * aspect));
            int w = (int) Math.rint(Math.sqrt(area / aspect));
            if (w >= side || h >= side) {
                continue;
            }
            int top = random.randint(0, side - h);
            int left = random.randint(0, side - w);
            int alreadyMasked = 0;
            for (int r = top; r < top + h; r++) {
                for (int c = left; c < left + w; c++) {
                    alreadyMasked += mask[r * side + c] ? 1 : 0;
                }
            }
            int fresh = h * w - alreadyMasked;
            if (fresh > 0 && fresh <= budget) {
                for (int r = top; r < top + h; r++) {
                    for (int c = left; c < left + w; c++) {
                        mask[r * side + c] = true;
                    }
                }
                return new PatchMask.MaskBlock(top, left, h, w, fresh);
            }
        }
        return null;
    }

    /** Sets {@code howMany} cells whose value is {@code from} to its opposite, chosen uniformly. */
    private static void flip(boolean[] mask, boolean from, int howMany, MaskRandom random) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == from) {
                candidates.add(i);
            }
        }
        for (int pick : random.choice(candidates.size(), howMany)) {
            mask[candidates.get(pick)] = !from;
        }
    }
}
