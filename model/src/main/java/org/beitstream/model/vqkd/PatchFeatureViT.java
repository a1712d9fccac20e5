package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vit.Block;
import org.beitstream.model.vit.Init;
import org.beitstream.model.vit.LayerNorm;
import org.beitstream.model.vit.Linear;
import org.beitstream.model.vit.Module;
import org.beitstream.model.vit.PatchEmbed;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The ViT VQ-KD uses as encoder and as decoder: patches (or codes, through a 1x1 embedding) plus a class
 * token and absolute positions go through pre-norm blocks, and the patch tokens come out through
 * {@code fc_norm}. The class token takes part in attention but is dropped from the output.
 * Keys: {@code cls_token, pos_embed, patch_embed.proj.*, blocks.i.*, fc_norm.*}.
 */
public final class PatchFeatureViT extends Module {
    private final ViTConfig config;
    private final NDArray clsToken;
    private final NDArray posEmbed;
    private final PatchEmbed patchEmbed;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm fcNorm;

    public PatchFeatureViT(Allocation allocation, ViTConfig config) {
        super(allocation);
        this.config = config;
        int dim = config.embedDim();
        this.clsToken = parameter("cls_token", new Shape(1, 1, dim), 0f);
        this.posEmbed = parameter("pos_embed", new Shape(1, config.numPatches() + 1, dim), 0f);
        this.patchEmbed = child("patch_embed", new PatchEmbed(allocation, config.imgSize(), config.patchSize(),
                config.inChans(), dim));
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(child("blocks." + i, new Block(allocation, dim, config.numHeads(), config.mlpRatio(),
                    config.qkvBias(), config.initValues(), config.layerNormEps(), null)));
        }
        this.fcNorm = child("fc_norm", new LayerNorm(allocation, dim, config.layerNormEps()));
    }

    /** {@code [B, C, H, W]} to the normalised patch tokens {@code [B, N, D]}. */
    public NDArray forward(NDArray images) {
        NDArray patches = patchEmbed.forward(images);
        Shape shape = patches.getShape();
        // The class token is broadcast through an array of the step's manager so nothing attaches to the model's.
        NDArray cls = patches.getManager().zeros(new Shape(shape.get(0), 1, shape.get(2)), patches.getDataType())
                .add(clsToken);
        NDArray x = NDArrays.concat(new NDList(cls, patches), 1).add(posEmbed);
        for (Block block : blocks) {
            x = block.forward(x, null);
        }
        return fcNorm.forward(x.get(":, 1:, :"));
    }

    public ViTConfig config() {
        return config;
    }

    /**
     * The authors' initialisation: truncated normal (std 0.02) for the position table, class token and
     * Linear weights, zero biases, unit LayerNorms, output projections divided by sqrt(2 * layer id); the
     * patch convolution keeps PyTorch's default (Uniform(+-1/sqrt(fan_in)) for weight and bias).
     */
    public void initialise(Random random) {
        Init.truncatedNormal(posEmbed, 0.02, random);
        Init.truncatedNormal(clsToken, 0.02, random);
        var state = parameters();
        double fanIn = (double) config.inChans() * config.patchSize() * config.patchSize();
        Init.uniform(state.get("patch_embed.proj.weight"), 1 / Math.sqrt(fanIn), random);
        Init.uniform(state.get("patch_embed.proj.bias"), 1 / Math.sqrt(fanIn), random);
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            for (Linear linear : List.of(block.attn().qkv(), block.attn().proj(), block.mlp().fc1(),
                    block.mlp().fc2())) {
                Init.truncatedNormalWeightZeroBias(linear, 0.02, random);
            }
            Init.rescaleByDepth(block.attn().proj(), i + 1);
            Init.rescaleByDepth(block.mlp().fc2(), i + 1);
        }
    }
}
