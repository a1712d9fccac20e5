package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.Random;

/**
 * The initialisation schemes the authors' code uses, drawn from a seeded {@link Random} so that a
 * model is reproducible whatever the engine.
 */
public final class Init {
    private Init() {}

    /**
     * Normal(0, std²) restricted to [-std, std]. The authors' wrapper passes {@code a=-std, b=std} to timm's
     * {@code trunc_normal_}, i.e. the cut is at one standard deviation (not two), so the actual spread is
     * about 0.54·std.
     */
    public static void truncatedNormal(NDArray target, double std, Random random) {
        float[] values = new float[Math.toIntExact(target.size())];
        for (int i = 0; i < values.length; i++) {
            double z;
            do {
                z = random.nextGaussian();
            } while (Math.abs(z) > 1.0);
            values[i] = (float) (z * std);
        }
        target.set(values);
    }

    /**
     * PyTorch's default {@code nn.Linear} initialisation (kaiming-uniform with a=√5), which for both weight
     * and bias is Uniform(±1/√fan_in). The authors' patch-aggregation blocks keep it because they are
     * created after the model-wide initialisation ran.
     */
    public static void pytorchDefault(Linear linear, Random random) {
        double bound = 1.0 / Math.sqrt(linear.inFeatures());
        uniform(linear.weight(), bound, random);
        if (linear.bias() != null) {
            uniform(linear.bias(), bound, random);
        }
    }

    /** The authors' Linear/Conv initialisation: truncated normal weight, zero bias. */
    public static void truncatedNormalWeightZeroBias(Linear linear, double std, Random random) {
        truncatedNormal(linear.weight(), std, random);
        if (linear.bias() != null) {
            fill(linear.bias(), 0f);
        }
    }

    /**
     * Divides a residual branch's output projection by √(2·layerId) (layer ids from 1), so that the
     * variance added to the residual stream does not grow with depth.
     */
    public static void rescaleByDepth(Linear linear, int layerId) {
        NDArray w = linear.weight();
        float[] values = w.toFloatArray();
        double divisor = Math.sqrt(2.0 * layerId);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] / divisor);
        }
        w.set(values);
    }

    public static void uniform(NDArray target, double bound, Random random) {
        float[] values = new float[Math.toIntExact(target.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        target.set(values);
    }

    public static void fill(NDArray target, float value) {
        float[] values = new float[Math.toIntExact(target.size())];
        Arrays.fill(values, value);
        target.set(values);
    }
}
