package org.beitstream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
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
    private static final String EXP_AVG = "exp_avg.";
    private static final String EXP_AVG_SQ = "exp_avg_sq.";

    private final List<ParameterGroup> groups;
    private final AdamWConfig config;
    private final NDManager stateManager;
    /** Per parameter name, in group order (which fixes the summation order of the gradient norm). */
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private long step;

    /** A parameter with its first and second moment estimates. */
    private record Slot(NDArray parameter, NDArray expAvg, NDArray expAvgSq) {
    }

    public AdamW(List<ParameterGroup> groups, AdamWConfig config, NDManager parent) {
        this.groups = List.copyOf(groups);
        this.config = config;
        this.stateManager = parent.newSubManager();
        for (ParameterGroup group : this.groups) {
            group.parameters().forEach((name, p) -> {
                if (slots.containsKey(name)) {
                    throw new IllegalArgumentException("parameter '" + name + "' is in more than one group");
                }
                slots.put(name, new Slot(p, stateManager.zeros(p.getShape(), p.getDataType()),
                        stateManager.zeros(p.getShape(), p.getDataType())));
            });
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
            double gradNorm = globalGradNorm();
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
                for (String name : group.parameters().keySet()) {
                    update(slots.get(name), lr, group.weightDecay(), clipped ? clipCoefficient : 1.0, bias1, bias2Sqrt);
                }
            }
            zeroGradients();
            return new StepReport(step, learningRate, gradNorm, clipped, false);
        }
    }

    private void update(Slot slot, double lr, double weightDecay, double gradScale, double bias1, double bias2Sqrt) {
        NDArray g = slot.parameter().getGradient();
        if (gradScale != 1.0) {
            g = g.mul(gradScale);
        }
        slot.expAvg().muli(config.beta1()).addi(g.mul(1 - config.beta1()));
        slot.expAvgSq().muli(config.beta2()).addi(g.square().mul(1 - config.beta2()));
        NDArray denominator = slot.expAvgSq().sqrt().divi(bias2Sqrt).addi(config.eps());
        // In place on a detached view: the storage is the parameter's, but autograd does not record it.
        NDArray data = slot.parameter().stopGradient();
        if (weightDecay != 0) {
            data.muli(1 - lr * weightDecay);
        }
        data.subi(slot.expAvg().div(denominator).muli(lr / bias1));
    }

    /** Total 2-norm over all gradients, as {@code clip_grad_norm_} reports it before clipping. */
    private double globalGradNorm() {
        double sumOfSquares = 0;
        for (Slot slot : slots.values()) {
            double norm = slot.parameter().getGradient().norm().toType(DataType.FLOAT64, false).getDouble();
            sumOfSquares += norm * norm;
        }
        return Math.sqrt(sumOfSquares);
    }

    /** Zeroes every managed gradient; DJL's collector adds to them and never resets. */
    public void zeroGradients() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Slot slot : slots.values()) {
                if (slot.parameter().hasGradient()) {
                    // Filled in place rather than multiplied by 0, which would keep the NaNs of a skipped step.
                    // Not set(ByteBuffer): DJL's PyTorch set points the tensor at the buffer's memory without
                    // copying, and the buffer dies with this short-lived wrapper of the gradient; the next
                    // backward then accumulates into freed memory (NaN losses, SIGSEGV in autograd).
                    slot.parameter().getGradient().set(new NDIndex("..."), 0f);
                }
            }
        }
    }

    /**
     * The moment estimates keyed {@code exp_avg.<param>} and {@code exp_avg_sq.<param>}, for checkpoints;
     * together with {@link #stepCount()} this is everything needed to resume.
     */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        slots.forEach((name, slot) -> {
            state.put(EXP_AVG + name, slot.expAvg());
            state.put(EXP_AVG_SQ + name, slot.expAvgSq());
        });
        return state;
    }

    /** Restores what {@link #stateDict()} and {@link #stepCount()} returned; every moment must be present. */
    public void loadStateDict(Map<String, NDArray> state, long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + stepCount);
        }
        slots.forEach((name, slot) -> {
            copy(state, EXP_AVG + name, slot.expAvg());
            copy(state, EXP_AVG_SQ + name, slot.expAvgSq());
        });
        this.step = stepCount;
    }

    private static void copy(Map<String, NDArray> state, String key, NDArray target) {
        NDArray source = state.get(key);
        if (source == null || !source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("optimizer state '" + key + "' is missing or has shape "
                    + (source == null ? "none" : source.getShape()) + " instead of " + target.getShape());
        }
        try (NDArray converted = source.toType(target.getDataType(), true)) {
            target.set(converted.toByteBuffer());
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
