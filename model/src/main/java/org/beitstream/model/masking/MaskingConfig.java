package org.beitstream.model.masking;

/**
 * Settings of the blockwise masking generator, named as in the authors' {@code MaskingGenerator}.
 *
 * @param inputSize         side of the square patch grid (14 for 224 px images and 16 px patches)
 * @param numMaskingPatches how many patches one mask should cover (75 of 196 in the recipe)
 * @param minNumPatches     smallest block area drawn
 * @param maxNumPatches     largest block area drawn; {@code null} means {@code numMaskingPatches}
 * @param minAspect         smallest block aspect ratio (height / width)
 * @param maxAspect         largest aspect ratio; {@code null} means {@code 1 / minAspect}
 */
public record MaskingConfig(int inputSize, int numMaskingPatches, int minNumPatches, Integer maxNumPatches,
                            double minAspect, Double maxAspect) {

    public MaskingConfig {
        if (inputSize < 1) {
            throw new IllegalArgumentException("input_size must be at least 1, got " + inputSize);
        }
        if (numMaskingPatches < 0 || numMaskingPatches > inputSize * inputSize) {
            throw new IllegalArgumentException("num_masking_patches must lie in [0, " + inputSize * inputSize
                    + "] for a " + inputSize + "x" + inputSize + " grid, got " + numMaskingPatches);
        }
        if (minNumPatches < 1) {
            throw new IllegalArgumentException("min_num_patches must be at least 1, got " + minNumPatches);
        }
        if (maxNumPatches != null && maxNumPatches < minNumPatches) {
            throw new IllegalArgumentException("max_num_patches (" + maxNumPatches
                    + ") must not be below min_num_patches (" + minNumPatches + ")");
        }
        if (!(minAspect > 0) || Double.isInfinite(minAspect)) {
            throw new IllegalArgumentException("min_aspect must be a positive finite number, got " + minAspect);
        }
        if (maxAspect != null && !(maxAspect >= minAspect && Double.isFinite(maxAspect))) {
            throw new IllegalArgumentException("max_aspect (" + maxAspect + ") must be finite and at least min_aspect ("
                    + minAspect + ")");
        }
    }

    /** The BEiT v2 recipe: 14x14 grid, 75 masked patches, blocks of at least 16, aspect in [0.3, 1/0.3]. */
    public static MaskingConfig beitV2Base() {
        return new MaskingConfig(14, 75, 16, null, 0.3, null);
    }

    /** Largest area one block may be drawn with. */
    public int blockAreaMax() {
        return maxNumPatches == null ? numMaskingPatches : maxNumPatches;
    }

    /** Aspect ratios are drawn log-uniformly, so the generator works with their logarithms. */
    public double logAspectMin() {
        return Math.log(minAspect);
    }

    public double logAspectMax() {
        return Math.log(maxAspect == null ? 1 / minAspect : maxAspect);
    }

    public int numPatches() {
        return inputSize * inputSize;
    }
}
