package org.beitstream.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.optim.AdamW;

import java.util.Map;

/**
 * A copy of the trained model on another device, for data parallelism. It has no optimizer: after its
 * backward pass its gradients are added to the original's, and after the original's update its parameters
 * are copied back. Its arrays live on a manager of its own on its device, so that the arrays its forward pass
 * creates land on that device too.
 */
final class Replica implements AutoCloseable {
    private static final NDIndex ALL = new NDIndex("...");

    private final BeitPretrainingModel model;
    private final NDManager manager;

    private Replica(BeitPretrainingModel model, NDManager manager) {
        this.model = model;
        this.manager = manager;
    }

    /** A copy of {@code original} (parameters and buffers) on {@code device}, its arrays on a sub-manager of {@code parent}. */
    static Replica of(BeitPretrainingModel original, NDManager parent, Device device) {
        NDManager manager = parent.newSubManager(device);
        NDArray any = original.parameters().values().iterator().next();
        BeitPretrainingModel copy = BeitPretrainingModel.forLoading(original.config(), manager, any.getDataType());
        copyInto(copy.stateDict(), original.stateDict());
        copy.attachGradients();
        return new Replica(copy, manager);
    }

    BeitPretrainingModel model() {
        return model;
    }

    NDManager manager() {
        return manager;
    }

    /** Adds this replica's gradients to those of {@code original} (on the original's device). */
    void addGradientsTo(BeitPretrainingModel original) {
        Map<String, NDArray> mine = model.parameters();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            original.parameters().forEach((name, target) -> {
                NDArray gradient = target.getGradient();
                gradient.addi(mine.get(name).getGradient().toDevice(gradient.getDevice(), false));
            });
        }
    }

    /** Takes over the parameters of {@code original} after its update and clears this replica's gradients. */
    void synchronizeWith(BeitPretrainingModel original) {
        copyInto(model.parameters(), original.parameters());
        AdamW.zeroGradients(model.parameters().values());
    }

    /**
     * Copies every tensor by name, in place on a detached view (as AdamW updates), so that autograd records
     * nothing and the replica's parameters stay the arrays its gradients are attached to.
     */
    private static void copyInto(Map<String, NDArray> targets, Map<String, NDArray> sources) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            targets.forEach((name, target) ->
                    target.stopGradient().set(ALL, sources.get(name).toDevice(target.getDevice(), false)));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
