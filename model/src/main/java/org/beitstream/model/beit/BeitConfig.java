package org.beitstream.model.beit;

import org.beitstream.model.vit.VitGeometry;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The constructor arguments of the authors' {@code VisionTransformerForMaskedImageModelingCLS}, named as
 * there. Dropout and drop-path are not modelled (the BEiT v2 recipe uses drop_path 0.1 only during
 * fine-tuning); q/v biases are always on and LayerNorm eps is 1e-6, as in every released configuration.
 *
 * @param imgSize               input side in pixels (square images)
 * @param patchSize             patch side in pixels; the grid is imgSize/patchSize on each side
 * @param inChans               input channels (3 for RGB, 1 for Fashion-MNIST)
 * @param embedDim              token width D
 * @param depth                 transformer layers of the backbone
 * @param numHeads              attention heads; D must be divisible by it
 * @param mlpRatio              hidden width of the MLP relative to D
 * @param earlyLayers           the layer whose patch tokens feed the patch-aggregation head (9 of 12 for base)
 * @param headLayers            layers of the patch-aggregation head ({@code cls_pt_layers})
 * @param vocabSize             visual-token vocabulary (the tokenizer's codebook size)
 * @param initValues            layer-scale init (0.1 base, 1e-5 large); 0 disables layer scale
 * @param useSharedRelPosBias   one relative position bias table for the whole network (the recipe)
 * @param useRelPosBias         a relative position bias table per layer
 * @param useAbsPosEmb          a learned absolute position embedding
 * @param sharedLmHead          the aggregation head reuses {@code norm} and {@code lm_head}
 * @param initStd               std of the truncated-normal initialisation
 */
public record BeitConfig(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads,
                         double mlpRatio, int earlyLayers, int headLayers, int vocabSize, double initValues,
                         boolean useSharedRelPosBias, boolean useRelPosBias, boolean useAbsPosEmb,
                         boolean sharedLmHead, double initStd) {

    public static final float LAYER_NORM_EPS = 1e-6f;

    /** BEiT v2 base pretraining: ViT-B/16, patch aggregation from layer 9; 106,143,056 parameters. */
    public static final BeitConfig BASE = recipe(224, 16, 3, 768, 12, 12, 9, 0.1);

    /** BEiT v2 large pretraining: ViT-L/16, patch aggregation from layer 21; 336,728,512 parameters. */
    public static final BeitConfig LARGE = recipe(224, 16, 3, 1024, 24, 16, 21, 1e-5);

    /**
     * Fashion-MNIST on a 2-core CPU: 28×28 grey images, 4×4 patches (a 7×7 grid, 49 tokens + CLS), width 192
     * with 3 heads of 64 as in ViT-Tiny, 6 layers with aggregation from layer 4; a 1024-code vocabulary
     * suits a 60k-image data set. 3,762,628 parameters.
     */
    public static final BeitConfig FMNIST_TINY = new BeitConfig(28, 4, 1, 192, 6, 3, 4.0, 4, 2, 1024, 0.1,
            true, false, false, true, 0.02);

    /** Fashion-MNIST, a step up: width 256, 4 heads, 8 layers, aggregation from layer 6; 8,169,392 parameters. */
    public static final BeitConfig FMNIST_SMALL = new BeitConfig(28, 4, 1, 256, 8, 4, 4.0, 6, 2, 1024, 0.1,
            true, false, false, true, 0.02);

    private static final Map<String, BeitConfig> PRESETS = Map.of(
            "base", BASE, "large", LARGE, "fmnist-tiny", FMNIST_TINY, "fmnist-small", FMNIST_SMALL);

    public BeitConfig {
        VitGeometry.check(imgSize, patchSize, inChans, embedDim, depth, numHeads);
        VitGeometry.positive("head_layers", headLayers);
        VitGeometry.positive("vocab_size", vocabSize);
        if (!(mlpRatio > 0) || (int) (embedDim * mlpRatio) < 1) {
            throw new IllegalArgumentException("mlp_ratio must give a hidden width >= 1, got " + mlpRatio);
        }
        if (earlyLayers < 1 || earlyLayers > depth) {
            throw new IllegalArgumentException("early_layers must be in [1, depth=" + depth + "], got " + earlyLayers);
        }
        if (!(initValues >= 0) || Double.isInfinite(initValues)) {
            throw new IllegalArgumentException("init_values must be finite and >= 0, got " + initValues);
        }
        if (!(initStd > 0) || Double.isInfinite(initStd)) {
            throw new IllegalArgumentException("init_std must be finite and > 0, got " + initStd);
        }
    }

    private static BeitConfig recipe(int img, int patch, int chans, int dim, int depth, int heads, int early,
                                     double initValues) {
        return new BeitConfig(img, patch, chans, dim, depth, heads, 4.0, early, 2, 8192, initValues,
                true, false, false, true, 0.02);
    }

    /** A named preset: {@code base}, {@code large}, {@code fmnist-tiny}, {@code fmnist-small}. */
    public static BeitConfig preset(String name) {
        BeitConfig config = PRESETS.get(name);
        if (config == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "', known: " + List.copyOf(PRESETS.keySet()));
        }
        return config;
    }

    public BeitConfig withVocabSize(int vocab) {
        return new BeitConfig(imgSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, earlyLayers,
                headLayers, vocab, initValues, useSharedRelPosBias, useRelPosBias, useAbsPosEmb, sharedLmHead, initStd);
    }

    /**
     * Reads the authors' constructor arguments (a MANIFEST {@code config} object). Settings this
     * implementation does not model must be at their neutral value, else the offending key is named.
     */
    public static BeitConfig fromAuthorsArgs(JsonNode args) {
        for (String rate : List.of("drop_rate", "attn_drop_rate", "drop_path_rate")) {
            if (args.has(rate) && args.get(rate).asDouble() != 0) {
                throw new IllegalArgumentException(rate + " = " + args.get(rate) + " is not supported (only 0)");
            }
        }
        for (String unset : List.of("qk_scale", "attn_head_dim")) {
            if (args.has(unset) && !args.get(unset).isNull()) {
                throw new IllegalArgumentException(unset + " = " + args.get(unset) + " is not supported (only null)");
            }
        }
        if (args.has("qkv_bias") && !args.get("qkv_bias").asBoolean()) {
            throw new IllegalArgumentException("qkv_bias = false is not supported");
        }
        if (args.has("layer_norm_eps") && args.get("layer_norm_eps").asDouble() != 1e-6) {
            throw new IllegalArgumentException("layer_norm_eps = " + args.get("layer_norm_eps") + " is not supported");
        }
        return new BeitConfig(
                required(args, "img_size").asInt(), required(args, "patch_size").asInt(),
                required(args, "in_chans").asInt(), required(args, "embed_dim").asInt(),
                required(args, "depth").asInt(), required(args, "num_heads").asInt(),
                required(args, "mlp_ratio").asDouble(), required(args, "early_layers").asInt(),
                required(args, "head_layers").asInt(), required(args, "vocab_size").asInt(),
                required(args, "init_values").asDouble(), required(args, "use_shared_rel_pos_bias").asBoolean(),
                required(args, "use_rel_pos_bias").asBoolean(), required(args, "use_abs_pos_emb").asBoolean(),
                required(args, "shared_lm_head").asBoolean(), required(args, "init_std").asDouble());
    }

    private static JsonNode required(JsonNode args, String key) {
        JsonNode value = args.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("model config lacks '" + key + "'");
        }
        return value;
    }

    public int gridSize() {
        return imgSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    /**
     * How images in [0, 1] are normalised for this backbone, in training and in evaluation alike: BEiT's ImageNet
     * statistics for colour; grey images have no such statistics, so [0, 1] maps to [-1, 1].
     */
    public org.beitstream.model.teacher.ImageNormalization inputNormalization() {
        if (inChans == 3) {
            return org.beitstream.model.teacher.ImageNormalization.IMAGENET;
        }
        double[] half = new double[inChans];
        java.util.Arrays.fill(half, 0.5);
        return new org.beitstream.model.teacher.ImageNormalization(half, half);
    }
}
