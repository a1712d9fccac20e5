package org.beitstream.model.vqkd;

import org.beitstream.model.vit.VitGeometry;

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
        VitGeometry.check(imgSize, patchSize, inChans, embedDim, depth, numHeads);
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

}
