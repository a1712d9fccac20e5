package org.beitstream.model.optim;

/**
 * AdamW hyper-parameters (Loshchilov & Hutter): decoupled weight decay.
 *
 * @param beta1    first-moment decay (0.9)
 * @param beta2    second-moment decay (0.98 in the BEiT v2 recipe, 0.999 PyTorch's default)
 * @param eps      added to the root of the second moment
 * @param clipGrad max global 2-norm of the gradients; 0 or less disables clipping (3.0 in the recipe)
 */
public record AdamWConfig(double beta1, double beta2, double eps, double clipGrad) {
    public static final AdamWConfig BEIT_V2_RECIPE = new AdamWConfig(0.9, 0.98, 1e-8, 3.0);

    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        if (Double.isNaN(clipGrad)) {
            throw new IllegalArgumentException("clip_grad must be a number");
        }
    }
}
