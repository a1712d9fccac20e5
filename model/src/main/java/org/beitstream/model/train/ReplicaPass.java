package org.beitstream.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.PretrainingLoss;
import org.beitstream.model.beit.PretrainingOutput;
import org.beitstream.model.vit.Scalars;

/**
 * Forward, loss and backward of one model on its share of a batch, leaving the gradients in the model's
 * parameters. Nothing is read back to Java here: on a GPU the kernels are only queued, so the passes of
 * several replicas issued one after another from one thread run concurrently.
 *
 * @param loss     the unweighted losses, a mean over this pass's masked tokens
 * @param accuracy the fraction of this pass's masked tokens predicted right, a 0-d array
 */
record ReplicaPass(PretrainingLoss loss, NDArray accuracy) {

    /**
     * @param weight this pass's share of the batch's masked tokens; the backward pass starts from
     *               {@code weight × loss}, so that the gradients of all passes add up to those of the batch mean
     */
    static ReplicaPass run(BeitPretrainingModel model, NDArray images, NDArray boolMaskedPos, NDArray labels,
                           double weight) {
        PretrainingLoss loss;
        NDArray accuracy;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            // Only the losses and the accuracy outlive the forward pass. The other arrays are released before the
            // backward pass, which then frees each activation once it has used it, as PyTorch does in Python.
            try (NDScope forward = new NDScope()) {
                PretrainingOutput output = model.forward(images, boolMaskedPos);
                loss = PretrainingLoss.of(output, labels);
                accuracy = accuracy(output.logitsMim(), labels);
                NDScope.unregister(loss.lossMim(), loss.lossClsPt(), loss.total(), accuracy);
            }
            // The whole batch on one model keeps the loss as it is (no extra multiplication).
            collector.backward(weight == 1.0 ? loss.total() : Scalars.times(loss.total(), weight));
        }
        return new ReplicaPass(loss, accuracy);
    }

    private static NDArray accuracy(NDArray logits, NDArray labels) {
        NDArray predicted = logits.stopGradient().argMax(-1);
        return predicted.eq(labels.toType(predicted.getDataType(), false))
                .toType(DataType.FLOAT32, false).mean();
    }
}
