package org.beitstream.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
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
 * Written by hand because DJL's optimizers have no per-parameter weight decay and clip element-wise (and
 * the PyTorch engine's Adam kernel computes 1−β in float32, 1e-5 off torch's 0.001 for β₂ = 0.999).
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
            Constants constants = new Constants(clipped ? clipCoefficient : 1.0, bias2Sqrt);
            for (ParameterGroup group : groups) {
                double lr = learningRate * group.lrScale();
                NDArray decay = group.weightDecay() == 0 ? null : constants.scalar(1 - lr * group.weightDecay());
                NDArray stepSize = constants.scalar(lr / bias1);
                for (String name : group.parameters().keySet()) {
                    update(slots.get(name), constants, decay, stepSize);
                }
            }
            zeroGradients();
            return new StepReport(step, learningRate, gradNorm, clipped, false);
        }
    }

    /**
     * The step's scalar operands as 0-d tensors of the parameters' type, made once per step. DJL would wrap
     * every Java number operand of every parameter's update in a temporary tensor of its own; the cast from
     * double gives the same float32 values as torch's Python scalars. The step's scope frees them.
     */
    private final class Constants {
        private final DataType type = slots.values().iterator().next().parameter().getDataType();
        final NDArray gradScale;
        final NDArray beta1;
        final NDArray oneMinusBeta1;
        final NDArray beta2;
        final NDArray oneMinusBeta2;
        final NDArray bias2Sqrt;
        final NDArray eps;

        Constants(double gradScale, double bias2Sqrt) {
            this.gradScale = gradScale == 1.0 ? null : scalar(gradScale);
            this.beta1 = scalar(config.beta1());
            this.oneMinusBeta1 = scalar(1 - config.beta1());
            this.beta2 = scalar(config.beta2());
            this.oneMinusBeta2 = scalar(1 - config.beta2());
            this.bias2Sqrt = scalar(bias2Sqrt);
            this.eps = scalar(config.eps());
        }

        NDArray scalar(double value) {
            // Copied (toType with copy) into PyTorch's memory: DJL's create points at a Java buffer.
            return stateManager.create(value).toType(type, true);
        }
    }

    /** torch.optim.AdamW's single-tensor update of one parameter, every step in place where torch's is. */
    private void update(Slot slot, Constants c, NDArray decay, NDArray stepSize) {
        NDArray g = slot.parameter().getGradient();
        if (c.gradScale != null) {
            g = g.mul(c.gradScale);
        }
        slot.expAvg().muli(c.beta1).addi(g.mul(c.oneMinusBeta1));
        slot.expAvgSq().muli(c.beta2).addi(g.square().muli(c.oneMinusBeta2));
        NDArray denominator = slot.expAvgSq().sqrt().divi(c.bias2Sqrt).addi(c.eps);
        // In place on a detached view: the storage is the parameter's, but autograd does not record it.
        NDArray data = slot.parameter().stopGradient();
        if (decay != null) {
            data.muli(decay);
        }
        data.subi(slot.expAvg().div(denominator).muli(stepSize));
    }

    /**
     * Total 2-norm over all gradients, as {@code clip_grad_norm_} computes it before clipping: the norm of the
     * per-parameter norms, read back once.
     */
    private double globalGradNorm() {
        NDList norms = new NDList(slots.size());
        for (Slot slot : slots.values()) {
            norms.add(slot.parameter().getGradient().norm());
        }
        return NDArrays.stack(norms).norm().toType(DataType.FLOAT64, false).getDouble();
    }

    /** Zeroes every managed gradient; DJL's collector adds to them and never resets. */
    public void zeroGradients() {
        zeroGradients(slots.values().stream().map(Slot::parameter).toList());
    }

    /** Zeroes the gradients of {@code parameters}, those of a model that this optimizer does not update included. */
    public static void zeroGradients(Collection<NDArray> parameters) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray parameter : parameters) {
                if (parameter.hasGradient()) {
                    // Zeroed in place (grad.zero_()) rather than multiplied by 0, which would keep the NaNs of a
                    // skipped step, and not set(ByteBuffer): DJL's PyTorch set points the tensor at the buffer's
                    // memory without copying, and the buffer dies with this short-lived wrapper of the gradient;
                    // the next backward then accumulates into freed memory (NaN losses, SIGSEGV in autograd).
                    JniUtils.zeroGrad(pytorch(parameter));
                }
            }
        }
    }

    private static PtNDArray pytorch(NDArray array) {
        if (array instanceof PtNDArray pt) {
            return pt;
        }
        throw new IllegalStateException("AdamW runs on DJL's PyTorch engine; got an array of "
                + array.getManager().getEngine().getEngineName());
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
