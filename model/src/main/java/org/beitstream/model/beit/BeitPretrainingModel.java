package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vit.Block;
import org.beitstream.model.vit.Init;
import org.beitstream.model.vit.LayerNorm;
import org.beitstream.model.vit.Linear;
import org.beitstream.model.vit.Module;
import org.beitstream.model.vit.PatchEmbed;
import org.beitstream.model.vit.RelativePositionBias;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * BEiT v2 masked image modelling with patch aggregation (the authors'
 * {@code VisionTransformerForMaskedImageModelingCLS}).
 *
 * <p>Masked patches are replaced by a learned {@code mask_token}; a ViT predicts the visual token of each
 * masked patch from the final layer. The patch-aggregation branch feeds the final layer's CLS token together
 * with the patch tokens of layer {@code early_layers} through {@code head_layers} more blocks and predicts the
 * same tokens, which forces CLS to summarise the image. State-dict keys are the authors'.
 */
public final class BeitPretrainingModel extends Module {
    private final BeitConfig config;
    private final NDArray clsToken;
    private final NDArray maskToken;
    private final NDArray posEmbed;
    private final PatchEmbed patchEmbed;
    private final RelativePositionBias relPosBias;
    private final List<Block> blocks;
    private final LayerNorm norm;
    private final Linear lmHead;
    private final List<Block> clsPtLayers;
    private final LayerNorm clsPtNorm;
    private final Linear clsPtLmHead;

    private BeitPretrainingModel(BeitConfig c, Allocation allocation) {
        super(allocation);
        this.config = c;
        int dim = c.embedDim();
        int grid = c.gridSize();
        this.clsToken = parameter("cls_token", new Shape(1, 1, dim), 0f);
        this.maskToken = parameter("mask_token", new Shape(1, 1, dim), 0f);
        this.posEmbed = c.useAbsPosEmb() ? parameter("pos_embed", new Shape(1, c.numPatches() + 1, dim), 0f) : null;
        this.patchEmbed = child("patch_embed", new PatchEmbed(allocation, c.imgSize(), c.patchSize(), c.inChans(), dim));
        this.relPosBias = c.useSharedRelPosBias()
                ? child("rel_pos_bias", new RelativePositionBias(allocation, grid, grid, c.numHeads())) : null;
        this.blocks = blocks(allocation, "blocks", c.depth());
        this.norm = child("norm", new LayerNorm(allocation, dim, BeitConfig.LAYER_NORM_EPS));
        this.lmHead = child("lm_head", new Linear(allocation, dim, c.vocabSize(), true));
        this.clsPtLayers = blocks(allocation, "cls_pt_layers", c.headLayers());
        this.clsPtNorm = c.sharedLmHead() ? norm
                : child("cls_pt_norm", new LayerNorm(allocation, dim, BeitConfig.LAYER_NORM_EPS));
        this.clsPtLmHead = c.sharedLmHead() ? lmHead
                : child("cls_pt_lm_head", new Linear(allocation, dim, c.vocabSize(), true));
    }

    private List<Block> blocks(Allocation allocation, String name, int count) {
        int grid = config.gridSize();
        int[] window = config.useRelPosBias() ? new int[] {grid, grid} : null;
        List<Block> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(child(name + "." + i, new Block(allocation, config.embedDim(), config.numHeads(),
                    config.mlpRatio(), true, (float) config.initValues(), BeitConfig.LAYER_NORM_EPS, window)));
        }
        return Collections.unmodifiableList(list);
    }

    /** A model with the authors' initialisation drawn from {@code seed}; float32 parameters on {@code manager}. */
    public static BeitPretrainingModel create(BeitConfig config, NDManager manager, long seed) {
        BeitPretrainingModel model = new BeitPretrainingModel(config, Allocation.on(manager, DataType.FLOAT32));
        model.initialize(new Random(seed));
        return model;
    }

    /** A model whose every tensor will be loaded (no initialisation drawn), of {@code dataType}. */
    public static BeitPretrainingModel forLoading(BeitConfig config, NDManager manager, DataType dataType) {
        return new BeitPretrainingModel(config, Allocation.on(manager, dataType));
    }

    /** Parameter names and shapes of a configuration, computed without allocating any tensor. */
    public static Map<String, Shape> parameterShapes(BeitConfig config) {
        return new BeitPretrainingModel(config, Allocation.shapesOnly()).parameterShapes();
    }

    /**
     * The authors' scheme: truncated normal (cut at ±1 std) for tokens, position embedding, every Linear and
     * the patch projection, zero biases, unit LayerNorms; residual output projections of layer l divided by
     * √(2l). The aggregation blocks are built after that pass in the authors' code, so they keep PyTorch's
     * default Linear init and are rescaled with layer ids continuing after {@code early_layers}.
     */
    private void initialize(Random random) {
        double std = config.initStd();
        if (posEmbed != null) {
            Init.truncatedNormal(posEmbed, std, random);
        }
        Init.truncatedNormal(clsToken, std, random);
        Init.truncatedNormal(maskToken, std, random);
        Init.truncatedNormal(patchEmbed.weight(), std, random);
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            for (Linear linear : linears(block)) {
                Init.truncatedNormalWeightZeroBias(linear, std, random);
            }
            rescaleResidualProjections(block, i + 1);
        }
        Init.truncatedNormalWeightZeroBias(lmHead, std, random);
        for (int j = 0; j < clsPtLayers.size(); j++) {
            Block block = clsPtLayers.get(j);
            for (Linear linear : linears(block)) {
                Init.pytorchDefault(linear, random);
            }
            rescaleResidualProjections(block, config.earlyLayers() + j + 1);
        }
        if (!config.sharedLmHead()) {
            Init.truncatedNormalWeightZeroBias(clsPtLmHead, std, random);
        }
    }

    private static List<Linear> linears(Block block) {
        return List.of(block.attn().qkv(), block.attn().proj(), block.mlp().fc1(), block.mlp().fc2());
    }

    private static void rescaleResidualProjections(Block block, int layerId) {
        Init.rescaleByDepth(block.attn().proj(), layerId);
        Init.rescaleByDepth(block.mlp().fc2(), layerId);
    }

    /** Marks every parameter as requiring a gradient, for training. */
    public void attachGradients() {
        parameters().values().forEach(p -> p.setRequiresGradient(true));
    }

    /**
     * One forward pass. Intermediate arrays attach to the manager of {@code images}: give each step its own
     * sub-manager and close it afterwards.
     *
     * @param images          {@code [B, C, H, W]}
     * @param boolMaskedPos   {@code [B, N]} boolean, true = masked; null for nothing masked
     * @param returnAllTokens logits for every patch ({@code [B, N, V]}) instead of the masked ones only
     * @param tracer          receives {@code patch_embed}, {@code rel_pos_bias}, {@code blocks.0.input},
     *                        {@code blocks.i}, {@code cls_pt_layers.0.input}, {@code cls_pt_layers.j}
     */
    public PretrainingOutput forward(NDArray images, NDArray boolMaskedPos, boolean returnAllTokens, Tracer tracer) {
        NDArray mask = boolMaskedPos != null ? boolMaskedPos : nothingMasked(images);
        Backbone backbone = backbone(images, mask, tracer);
        NDArray x = backbone.last();

        // Patch aggregation: CLS of the last layer (before the final norm) with the patch tokens of layer E.
        NDArray xClsPt = NDArrays.concat(new NDList(x.get(":, :1"), backbone.earlyPatchTokens()), 1);
        tracer.record("cls_pt_layers.0.input", xClsPt);
        for (int j = 0; j < clsPtLayers.size(); j++) {
            xClsPt = clsPtLayers.get(j).forward(xClsPt, backbone.sharedBias());
            tracer.record("cls_pt_layers." + j, xClsPt);
        }

        NDArray features = norm.forward(x);
        NDArray featuresClsPt = clsPtNorm.forward(xClsPt);
        NDArray patchTokens = features.get(":, 1:");
        NDArray patchTokensClsPt = featuresClsPt.get(":, 1:");
        if (!returnAllTokens) {
            NDArray positions = maskedPositions(mask);
            patchTokens = rows(patchTokens, positions);
            patchTokensClsPt = rows(patchTokensClsPt, positions);
        }
        return new PretrainingOutput(lmHead.forward(patchTokens), clsPtLmHead.forward(patchTokensClsPt),
                features, featuresClsPt);
    }

    public PretrainingOutput forward(NDArray images, NDArray boolMaskedPos) {
        return forward(images, boolMaskedPos, false, Tracer.NONE);
    }

    /**
     * The backbone alone on unmasked images: {@code norm(x)} of the last layer, {@code [B, N+1, D]} with CLS
     * first, equal to {@link PretrainingOutput#features()} without masking but skipping both heads. This is
     * what downstream uses (linear probe, segmentation).
     */
    public NDArray encode(NDArray images) {
        return norm.forward(backbone(images, nothingMasked(images), Tracer.NONE).last());
    }

    /** The last layer's tokens, the patch tokens of layer {@code early_layers}, and the shared bias (or null). */
    private record Backbone(NDArray last, NDArray earlyPatchTokens, NDArray sharedBias) {
    }

    private Backbone backbone(NDArray images, NDArray mask, Tracer tracer) {
        NDManager m = images.getManager();
        NDArray patches = patchEmbed.forward(images);
        tracer.record("patch_embed", patches);
        Shape s = patches.getShape();

        // Blend rather than overwrite, as the authors do, so mask_token receives a gradient through w.
        // Every op starts from step data (w, zeros) so results attach to the step's manager, not the model's.
        NDArray w = mask.expandDims(-1).toType(patches.getDataType(), false);
        NDArray x = patches.mul(w.neg().add(1)).add(w.mul(maskToken));
        NDArray cls = m.zeros(new Shape(s.get(0), 1, s.get(2)), patches.getDataType()).add(clsToken);
        x = NDArrays.concat(new NDList(cls, x), 1);
        if (posEmbed != null) {
            x = x.add(posEmbed);
        }
        tracer.record("blocks.0.input", x);

        NDArray sharedBias = relPosBias == null ? null : relPosBias.forward(m);
        if (sharedBias != null) {
            tracer.record("rel_pos_bias", sharedBias);
        }
        NDArray earlyPatchTokens = null;
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(x, sharedBias);
            tracer.record("blocks." + i, x);
            if (i + 1 == config.earlyLayers()) {
                earlyPatchTokens = x.get(":, 1:");
            }
        }
        return new Backbone(x, earlyPatchTokens, sharedBias);
    }

    private NDArray nothingMasked(NDArray images) {
        long patches = (images.getShape().get(2) / config.patchSize()) * (images.getShape().get(3) / config.patchSize());
        return images.getManager().zeros(new Shape(images.getShape().get(0), patches), DataType.BOOLEAN);
    }

    /**
     * Flat indices {@code b·N + n} of the masked patches, image-major then patch index: the order of
     * PyTorch's {@code x[bool_masked_pos]}. (DJL's {@code booleanMask} needs the mask and data shapes equal.)
     */
    private static NDArray maskedPositions(NDArray mask) {
        boolean[] flags = mask.toBooleanArray();
        long[] positions = new long[flags.length];
        int count = 0;
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                positions[count++] = i;
            }
        }
        return mask.getManager().create(Arrays.copyOf(positions, count));
    }

    /** {@code [B, N, D]} tokens at flat positions: {@code [M, D]}. */
    private static NDArray rows(NDArray tokens, NDArray positions) {
        Shape s = tokens.getShape();
        return tokens.reshape(s.get(0) * s.get(1), s.get(2)).get(positions);
    }

    public BeitConfig config() {
        return config;
    }
}
