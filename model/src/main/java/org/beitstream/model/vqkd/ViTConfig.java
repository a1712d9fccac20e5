package org.beitstream.model.vqkd;

/**
 * One of VQ-KD's two transformers, with the arguments of the authors' {@code VisionTransformer} that VQ-KD
 * sets ({@code get_model_default_params}); the rest is fixed by VQ-KD: absolute position embedding, no
 * relative position bias, mean-pooling {@code fc_norm} instead of a final norm, no classification head.
 *
 * @param initValues layer-scale init; 0 (VQ-KD's choice) means the blocks have no gamma at all
 */
public record ViTConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads,
                        double mlpRatio, boolean qkvBias, float initValues, float layerNormEps) {

    public ViTConfig {
        positive("img_size", imgSize);
        positive("patch_size", patchSize);
        positive("in_chans", inChans);
        positive("embed_dim", embedDim);
        positive("depth", depth);
        positive("num_heads", numHeads);
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " is not a multiple of patch_size " + patchSize);
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim " + embedDim + " is not divisible by num_heads " + numHeads);
        }
        if (!(mlpRatio > 0)) {
            throw new IllegalArgumentException("mlp_ratio must be positive, got " + mlpRatio);
        }
        if (initValues < 0) {
            throw new IllegalArgumentException("init_values must be non-negative, got " + initValues);
        }
    }

    /** The authors' defaults: ViT-B/16 at 224 px, no layer scale, LayerNorm eps 1e-6. */
    public static ViTConfig base(int imgSize) {
        return new ViTConfig(imgSize, 16, 3, 768, 12, 12, 4.0, true, 0f, 1e-6f);
    }

    /** The decoder over a {@code grid x grid} token map: a 1x1 patch embedding of the codes. */
    public ViTConfig asDecoder(int grid, int codeDim, int decoderDepth) {
        return new ViTConfig(grid, 1, codeDim, embedDim, decoderDepth, numHeads, mlpRatio, qkvBias, initValues,
                layerNormEps);
    }

    public int gridSize() {
        return imgSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }
}
