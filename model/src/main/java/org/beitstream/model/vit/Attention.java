package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head self-attention as in BEiT: one {@code qkv} projection without bias whose output is laid out
 * {@code [q | k | v]}, each head-major {@code [heads, head_dim]}; separate learned biases for q and v while
 * the k bias stays 0 (a k bias would shift every logit of a query equally, which softmax ignores).
 * Logits are {@code (q·scale)·kᵀ} with {@code scale = head_dim^-0.5}, plus the optional relative
 * position bias of this layer and the optional shared one.
 */
public final class Attention extends Module {
    private final int numHeads;
    private final int headDim;
    private final double scale;
    private final Linear qkv;
    private final NDArray qBias;
    private final NDArray vBias;
    private final RelativePositionBias relativePositionBias;
    private final Linear proj;

    /**
     * @param windowGrid grid {@code {height, width}} for a per-layer relative position bias, or null for none
     */
    public Attention(Allocation allocation, int dim, int numHeads, boolean qkvBias, int[] windowGrid) {
        super(allocation);
        if (dim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim " + dim + " is not divisible by num_heads " + numHeads);
        }
        this.numHeads = numHeads;
        this.headDim = dim / numHeads;
        this.scale = Math.pow(headDim, -0.5);
        this.qkv = child("qkv", new Linear(allocation, dim, 3 * dim, false));
        this.qBias = qkvBias ? parameter("q_bias", new Shape(dim), 0f) : null;
        this.vBias = qkvBias ? parameter("v_bias", new Shape(dim), 0f) : null;
        this.relativePositionBias = windowGrid == null ? null
                : child("", new RelativePositionBias(allocation, windowGrid[0], windowGrid[1], numHeads));
        this.proj = child("proj", new Linear(allocation, dim, dim, true));
    }

    /**
     * @param x          {@code [B, T, D]}
     * @param sharedBias {@code [heads, T, T]} added to the logits of every layer, or null
     */
    public NDArray forward(NDArray x, NDArray sharedBias) {
        NDManager m = x.getManager();
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(1);
        NDArray projected = qBias == null
                ? qkv.forward(x)
                : Linear.apply(x, qkv.weight(), qkvBias(m));
        // [B, T, 3, heads, head_dim] -> [3, B, heads, T, head_dim]
        NDArray heads = projected.reshape(batch, tokens, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4);
        // One split rather than three selections: the backward of each selection would zero-fill a tensor
        // as large as all of qkv. The scale is PyTorch-owned: autograd keeps it for the backward pass.
        NDList qkvHeads = heads.split(3, 0);
        NDArray q = Scalars.times(qkvHeads.get(0).squeeze(0), scale);
        NDArray k = qkvHeads.get(1).squeeze(0);
        NDArray v = qkvHeads.get(2).squeeze(0);

        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2));
        if (relativePositionBias != null) {
            logits = logits.add(relativePositionBias.forward(m));
        }
        if (sharedBias != null) {
            logits = logits.add(sharedBias);
        }
        NDArray attention = logits.softmax(-1);
        NDArray mixed = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens, (long) numHeads * headDim);
        return proj.forward(mixed);
    }

    /**
     * {@code [q_bias | 0 | v_bias]}. Built from a zero array of the step's manager so that the result
     * attaches there and not to the model's manager (DESIGN.md §5); the zeros carry no gradient.
     */
    private NDArray qkvBias(NDManager m) {
        NDArray zeros = m.zeros(qBias.getShape(), qBias.getDataType());
        return NDArrays.concat(new NDList(zeros.add(qBias), zeros, zeros.add(vBias)));
    }

    public Linear qkv() {
        return qkv;
    }

    public Linear proj() {
        return proj;
    }

    /** Null when this layer has no bias of its own. */
    public RelativePositionBias relativePositionBias() {
        return relativePositionBias;
    }
}
