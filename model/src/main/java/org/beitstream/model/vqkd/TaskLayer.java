package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import org.beitstream.model.vit.Init;
import org.beitstream.model.vit.Linear;
import org.beitstream.model.vit.Module;

import java.util.Random;

/**
 * {@code Linear -> Tanh -> Linear}: maps encoder features to the code space ({@code encode_task_layer})
 * and decoder features to the teacher's space ({@code decode_task_layer}). Keys {@code 0.*} and {@code 2.*}
 * follow the authors' {@code nn.Sequential} positions (1 is the parameter-free Tanh).
 */
public final class TaskLayer extends Module {
    private final Linear first;
    private final Linear second;

    public TaskLayer(Allocation allocation, int inDim, int outDim) {
        super(allocation);
        this.first = child("0", new Linear(allocation, inDim, inDim, true));
        this.second = child("2", new Linear(allocation, inDim, outDim, true));
    }

    public NDArray forward(NDArray x) {
        return second.forward(first.forward(x).tanh());
    }

    /** Truncated normal weights (std 0.02), zero biases, as the authors' {@code _init_weights}. */
    public void initialise(Random random) {
        Init.truncatedNormalWeightZeroBias(first, 0.02, random);
        Init.truncatedNormalWeightZeroBias(second, 0.02, random);
    }
}
