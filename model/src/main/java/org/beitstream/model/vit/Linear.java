package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code y = x·Wᵀ + b} with PyTorch's {@code [out, in]} weight layout, so weights load without transposing. */
public final class Linear extends Module {
    private final NDArray weight;
    private final NDArray bias;
    private final int inFeatures;

    public Linear(Allocation allocation, int inFeatures, int outFeatures, boolean withBias) {
        super(allocation);
        this.inFeatures = inFeatures;
        this.weight = parameter("weight", new Shape(outFeatures, inFeatures), 0f);
        this.bias = withBias ? parameter("bias", new Shape(outFeatures), 0f) : null;
    }

    public NDArray forward(NDArray x) {
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    public NDArray weight() {
        return weight;
    }

    /** Null when the layer was built without bias. */
    public NDArray bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }
}
