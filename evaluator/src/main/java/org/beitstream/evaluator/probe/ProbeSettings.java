package org.beitstream.evaluator.probe;

/**
 * How a linear head is trained: full-batch Adam from zero weights for a fixed number of iterations, so the same
 * features always give the same head (no random draws), on the mean cross-entropy plus an L2 penalty.
 *
 * @param iterations   full passes over the training set
 * @param learningRate Adam's step size (features are standardised, so one rate suits every backbone)
 * @param l2           weight of {@code ½·||W||²} in the objective (the bias is not penalised)
 */
public record ProbeSettings(int iterations, double learningRate, double l2) {
    public ProbeSettings {
        if (iterations < 1) {
            throw new IllegalArgumentException("probe iterations must be >= 1, got " + iterations);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("probe learning rate must be a positive finite number, got " + learningRate);
        }
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("probe L2 weight must be a finite number >= 0, got " + l2);
        }
    }
}
