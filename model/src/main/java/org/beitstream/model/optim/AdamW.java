package org.beitstream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with per-group weight decay, global-norm gradient clipping and a guard against non-finite losses,
 * the update of {@code torch.optim.AdamW} that the authors' training uses:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
 *   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 * </pre>
 * Written by hand because DJL's optimizers have no per-parameter weight decay and clip element-wise.
 * Gradients are read from the parameters (DJL's gradient collector) and zeroed after each step, since
 * the collector accumulates into them.
 */
public final class AdamW implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    private final List<ParameterGroup> groups;
    private final AdamWConfig config;
    private final NDManager stateManager;
    private final Map<NDArray, NDArray[]> moments = new IdentityHashMap<>();
    private long step;

    public AdamW(List<ParameterGroup> groups, AdamWConfig config, NDManager parent) {
        this.groups = List.copyOf(groups);
        this.config = config;
        this.stateManager = parent.newSubManager();
        for (ParameterGroup group : this.groups) {
            for (NDArray p : group.parameters().values()) {
                moments.put(p, new NDArray[] {stateManager.zeros(p.getShape(), p.getDataType()),
                        stateManager.zeros(p.getShape(), p.getDataType())});
            }
        }
    }

    /**
     * Clips, updates every parameter with the gradients accumulated since the last step, and zeroes them.
     *
     * @param loss         the loss these gradients come from; a non-finite loss skips the update
     * @param learningRate the scheduled base learning rate
     */
    public StepReport step(double loss, double learningRate) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> parameters = new ArrayList<>(moments.keySet());
            double gradNorm = globalGradNorm(parameters);
            if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
                LOG.warn("skipping optimizer step {}: loss {} grad norm {}", step + 1, loss, gradNorm);
                zeroGradients();
                return new StepReport(step, learningRate, gradNorm, false, true);
            }
            // As torch's clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
            double clipCoefficient = config.clipGrad() > 0 ? config.clipGrad() / (gradNorm + 1e-6) : 1.0;
            boolean clipped = clipCoefficient < 1.0;
            step++;
            double bias1 = 1 - Math.pow(config.beta1(), step);
            double bias2Sqrt = Math.sqrt(1 - Math.pow(config.beta2(), step));
            for (ParameterGroup group : groups) {
                double lr = learningRate * group.lrScale();
                for (NDArray p : group.parameters().values()) {
                    update(p, lr, group.weightDecay(), clipped ? clipCoefficient : 1.0, bias1, bias2Sqrt);
                }
            }
            zeroGradients();
            return new StepReport(step, learningRate, gradNorm, clipped, false);
        }
    }

    private void update(NDArray p, double lr, double weightDecay, double gradScale, double bias1, double bias2Sqrt) {
        NDArray g = p.getGradient();
        if (gradScale != 1.0) {
            g = g.mul(gradScale);
        }
        NDArray[] mv = moments.get(p);
        mv[0].muli(config.beta1()).addi(g.mul(1 - config.beta1()));
        mv[1].muli(config.beta2()).addi(g.square().mul(1 - config.beta2()));
        NDArray denominator = mv[1].sqrt().div(bias2Sqrt).add(config.eps());
        // In place on a detached view: the storage is the parameter's, but autograd does not record it.
        NDArray data = p.stopGradient();
        if (weightDecay != 0) {
            data.muli(1 - lr * weightDecay);
        }
        data.subi(mv[0].div(denominator).mul(lr / bias1));
    }

    /** Total 2-norm over all gradients, as {@code clip_grad_norm_} reports it before clipping. */
    private static double globalGradNorm(List<NDArray> parameters) {
        double sumOfSquares = 0;
        for (NDArray p : parameters) {
            double norm = p.getGradient().norm().getFloat();
            sumOfSquares += norm * norm;
        }
        return Math.sqrt(sumOfSquares);
    }

    /** Zeroes every managed gradient; DJL's collector adds to them and never resets. */
    public void zeroGradients() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray p : moments.keySet()) {
                if (p.hasGradient()) {
                    // Overwritten rather than multiplied by 0, which would keep the NaNs of a skipped step.
                    NDArray g = p.getGradient();
                    g.set(g.zerosLike().toByteBuffer());
                }
            }
        }
    }

    public long stepCount() {
        return step;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
