package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;

/**
 * The BEiT v2 objective: cross-entropy of the visual tokens at masked positions, once for the final
 * layer ({@code loss_1}) and once for the patch-aggregation branch ({@code loss_2}), summed with equal weight.
 */
public record PretrainingLoss(NDArray lossMim, NDArray lossClsPt, NDArray total) {

    /** @param labels {@code [M]} int64 token ids in the order of the masked logits */
    public static PretrainingLoss of(PretrainingOutput output, NDArray labels) {
        NDArray mim = crossEntropy(output.logitsMim(), labels);
        NDArray clsPt = crossEntropy(output.logitsClsPt(), labels);
        return new PretrainingLoss(mim, clsPt, mim.add(clsPt));
    }

    /** Mean over rows of {@code -log softmax(logits)[label]}; gather, since {@code pick} is wrong beyond 2-D. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(-1);
        return logProbabilities.gather(labels.reshape(-1, 1), 1).mean().neg();
    }
}
