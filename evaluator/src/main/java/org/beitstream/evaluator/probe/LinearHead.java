package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vit.Scalars;

import java.util.Arrays;

/**
 * A linear map from {@code inputs} features to {@code classes} logits, {@code x·W + b}, trained on a softmax
 * cross-entropy by full-batch Adam. The probes differ only in how the logits reach the labels (directly for
 * images, upsampled for pixels), so each supplies the gradient of its objective and this class does the rest.
 *
 * <p>The parameters, {@code W} row-major then {@code b}, live on the Java heap and are copied onto each step's
 * manager: heads are small (features by classes), and nothing native outlives a step.
 */
final class LinearHead {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    /** Adds the gradient of the mean cross-entropy over the whole training set to {@code gradient} (W, then b). */
    @FunctionalInterface
    interface Objective {
        void addGradient(LinearHead head, float[] gradient);
    }

    private final int inputs;
    private final int classes;
    private final float[] parameters;

    private LinearHead(int inputs, int classes) {
        this.inputs = inputs;
        this.classes = classes;
        this.parameters = new float[inputs * classes + classes];
    }

    /** Trains a head from zero weights: deterministic for given features. */
    static LinearHead train(int inputs, int classes, ProbeSettings settings, Objective objective) {
        LinearHead head = new LinearHead(inputs, classes);
        float[] p = head.parameters;
        int weights = inputs * classes;
        float[] gradient = new float[p.length];
        float[] firstMoment = new float[p.length];
        float[] secondMoment = new float[p.length];
        for (int t = 1; t <= settings.iterations(); t++) {
            Arrays.fill(gradient, 0f);
            objective.addGradient(head, gradient);
            double correction1 = 1 - Math.pow(BETA1, t);
            double correction2 = 1 - Math.pow(BETA2, t);
            for (int i = 0; i < p.length; i++) {
                double g = gradient[i] + (i < weights ? settings.l2() * p[i] : 0); // L2 on W only
                firstMoment[i] = (float) (BETA1 * firstMoment[i] + (1 - BETA1) * g);
                secondMoment[i] = (float) (BETA2 * secondMoment[i] + (1 - BETA2) * g * g);
                p[i] -= (float) (settings.learningRate() * (firstMoment[i] / correction1)
                        / (Math.sqrt(secondMoment[i] / correction2) + EPS));
            }
        }
        return head;
    }

    /** {@code [..., inputs]} features to {@code [..., classes]} logits, on the features' manager. */
    NDArray logits(NDArray features) {
        NDManager m = features.getManager();
        int weights = inputs * classes;
        NDArray w = m.create(Arrays.copyOf(parameters, weights), new Shape(inputs, classes));
        NDArray b = m.create(Arrays.copyOfRange(parameters, weights, parameters.length));
        return features.matMul(w).add(b);
    }

    /**
     * The gradient of the summed cross-entropy with respect to the logits, {@code softmax(z) - onehot(y)}, divided
     * by {@code count} (the size of the whole training set, so that the chunks add up to the mean's gradient).
     *
     * @param logits scores with the classes along {@code classAxis}
     * @param labels class indices: the shape of {@code logits} without that axis
     */
    static NDArray crossEntropyGradient(NDArray logits, NDArray labels, int classAxis, long count) {
        int classes = (int) logits.getShape().get(classAxis);
        int dims = logits.getShape().dimension();
        NDArray oneHot = labels.toType(DataType.INT64, false).oneHot(classes); // classes last
        if (classAxis != dims - 1) {
            int[] order = new int[dims];
            for (int i = 0, source = 0; i < dims; i++) {
                order[i] = i == classAxis ? dims - 1 : source++;
            }
            oneHot = oneHot.transpose(order);
        }
        return Scalars.divide(logits.softmax(classAxis).sub(oneHot), count);
    }

    /** Adds the parameter gradient of a chunk: {@code featuresᵀ · logitGradient} and its column sums (2-d arrays). */
    void accumulate(NDArray features, NDArray logitGradient, float[] gradient) {
        float[] w = features.transpose().matMul(logitGradient).toFloatArray();
        float[] b = logitGradient.sum(new int[] {0}).toFloatArray();
        for (int i = 0; i < w.length; i++) {
            gradient[i] += w[i];
        }
        for (int i = 0; i < b.length; i++) {
            gradient[w.length + i] += b[i];
        }
    }
}
