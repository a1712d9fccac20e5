package org.beitstream.model.optim;

/**
 * What one optimizer step did.
 *
 * @param step         the step count after this call (unchanged when skipped)
 * @param learningRate the base learning rate used (before each group's scale)
 * @param gradNorm     total 2-norm of all gradients before clipping
 * @param clipped      whether the gradients were scaled down
 * @param skipped      whether the update was skipped because the loss or a gradient was not finite
 */
public record StepReport(long step, double learningRate, double gradNorm, boolean clipped, boolean skipped) {
}
