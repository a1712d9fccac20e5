package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * A pre-norm transformer layer: {@code x + γ₁·attn(norm1(x))}, then {@code x + γ₂·mlp(norm2(x))}.
 * The layer-scale vectors γ (CaiT) exist only when {@code initValues > 0}, as in the authors' code;
 * the VQ-KD encoder and decoder use {@code initValues = 0} and so have none.
 */
public final class Block extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final NDArray gamma1;
    private final NDArray gamma2;

    /**
     * @param windowGrid grid {@code {height, width}} for a relative position bias of this block, or null
     */
    public Block(Allocation allocation, int dim, int numHeads, double mlpRatio, boolean qkvBias, float initValues,
                 float layerNormEps, int[] windowGrid) {
        super(allocation);
        // Registration order follows the authors' state dict: gamma_1, gamma_2, norm1, attn, norm2, mlp.
        this.gamma1 = initValues > 0 ? parameter("gamma_1", new Shape(dim), initValues) : null;
        this.gamma2 = initValues > 0 ? parameter("gamma_2", new Shape(dim), initValues) : null;
        this.norm1 = child("norm1", new LayerNorm(allocation, dim, layerNormEps));
        this.attn = child("attn", new Attention(allocation, dim, numHeads, qkvBias, windowGrid));
        this.norm2 = child("norm2", new LayerNorm(allocation, dim, layerNormEps));
        this.mlp = child("mlp", new Mlp(allocation, dim, (int) (dim * mlpRatio)));
    }

    /** @param sharedBias the network-wide relative position bias {@code [heads, T, T]}, or null */
    public NDArray forward(NDArray x, NDArray sharedBias) {
        // The block's intermediate arrays are released as soon as the block is done: autograd keeps what the
        // backward pass needs, and frees each of those as the backward pass consumes it, so PyTorch can reuse
        // the memory within the step instead of touching fresh pages until the step's manager closes.
        try (NDScope scope = new NDScope()) {
            NDArray afterAttention = x.add(scaled(attn.forward(norm1.forward(x), sharedBias), gamma1));
            NDArray out = afterAttention.add(scaled(mlp.forward(norm2.forward(afterAttention)), gamma2));
            NDScope.unregister(out);
            return out;
        }
    }

    private static NDArray scaled(NDArray branch, NDArray gamma) {
        return gamma == null ? branch : branch.mul(gamma);
    }

    public Attention attn() {
        return attn;
    }

    public Mlp mlp() {
        return mlp;
    }
}
