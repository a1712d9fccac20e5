package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The transformer's feed-forward part: {@code fc2(GELU(fc1(x)))}, GELU in its exact erf form. */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;

    public Mlp(Allocation allocation, int dim, int hiddenDim) {
        super(allocation);
        this.fc1 = child("fc1", new Linear(allocation, dim, hiddenDim, true));
        this.fc2 = child("fc2", new Linear(allocation, hiddenDim, dim, true));
    }

    public NDArray forward(NDArray x) {
        return fc2.forward(Activation.gelu(fc1.forward(x)));
    }

    public Linear fc1() {
        return fc1;
    }

    /** Its weight is the one the authors rescale by depth. */
    public Linear fc2() {
        return fc2;
    }
}
