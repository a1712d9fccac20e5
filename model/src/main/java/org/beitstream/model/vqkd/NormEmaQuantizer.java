package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vit.Scalars;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * VQ-KD's quantizer: encoder outputs and codes live on the unit sphere, each output snaps to its nearest
 * code, and the codebook follows the outputs by an exponential moving average instead of by gradients.
 *
 * <p>The codebook has no gradient. Besides the codebook, a usage statistic {@code cluster_size} is kept as an
 * EMA of the per-code counts; as in the reference it is updated on every call, in evaluation mode too.
 *
 * <p>State arrays live on a manager owned by the quantizer; everything computed for a call lives on the
 * manager of that call's input, so a caller that gives each step its own sub-manager frees it all.
 */
public final class NormEmaQuantizer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NormEmaQuantizer.class);

    private final QuantizerConfig config;
    private final NDManager state;
    private final DeadCodeRestart deadCodeRestart;
    private final Random kmeansRandom;
    private NDArray codebook;
    private NDArray clusterSize;
    private boolean initialised;

    /**
     * A quantizer whose codebook starts as l2-normalised Gaussian rows, or empty awaiting k-means when
     * {@code config.kmeansInit()}.
     */
    public NormEmaQuantizer(QuantizerConfig config, NDManager parent, long seed) {
        this.config = config;
        this.state = parent.newSubManager();
        this.deadCodeRestart = new DeadCodeRestart(config.deadCodeRestart(), config.numCodes());
        Random random = new Random(seed);
        this.kmeansRandom = random;
        Shape shape = new Shape(config.numCodes(), config.codeDim());
        if (config.kmeansInit()) {
            this.codebook = state.zeros(shape);
        } else {
            float[] gaussian = new float[config.numCodes() * config.codeDim()];
            for (int i = 0; i < gaussian.length; i++) {
                gaussian[i] = (float) random.nextGaussian();
            }
            try (NDManager scratch = state.newSubManager()) {
                this.codebook = UnitVectors.l2normalize(scratch.create(gaussian, shape));
                this.codebook.attach(state);
            }
        }
        this.clusterSize = state.zeros(new Shape(config.numCodes()));
        this.initialised = !config.kmeansInit();
    }

    public QuantizerConfig config() {
        return config;
    }

    /** The codebook [K, c] (unit rows once initialised); owned by the quantizer, do not close. */
    public NDArray codebook() {
        return codebook;
    }

    /** False only while a k-means-initialised codebook still waits for its first batch. */
    public boolean initialised() {
        return initialised;
    }

    /** The EMA of per-code counts [K]; owned by the quantizer, do not close. */
    public NDArray clusterSize() {
        return clusterSize;
    }

    /** Replaces the state with imported values (copied, so the caller keeps its arrays). */
    public void load(NDArray newCodebook, NDArray newClusterSize) {
        requireShape("codebook", newCodebook, new Shape(config.numCodes(), config.codeDim()));
        requireShape("cluster_size", newClusterSize, new Shape(config.numCodes()));
        replaceCodebook(newCodebook.duplicate(), null);
        replaceClusterSize(newClusterSize.duplicate(), null);
        initialised = true;
    }

    /** How evenly the codes have been used lately, from the {@code cluster_size} statistic. */
    public CodebookUsage usage() {
        return CodebookUsage.of(clusterSize.toType(DataType.FLOAT64, false).toDoubleArray());
    }

    /**
     * Quantizes encoder outputs {@code features} [..., c] (not yet normalised). In training mode the
     * codebook moves towards this batch afterwards; the returned z_q always uses the codebook from before.
     */
    public QuantizerOutput forward(NDArray features, boolean training) {
        Shape shape = features.getShape();
        if (shape.dimension() < 1 || shape.get(shape.dimension() - 1) != config.codeDim()) {
            throw new IllegalArgumentException("quantizer expects [..., " + config.codeDim() + "], got " + shape);
        }
        NDManager caller = features.getManager();
        List<NDArray> retired = new ArrayList<>();
        QuantizerOutput output;
        try (NDManager scratch = caller.newSubManager()) {
            features.tempAttach(scratch);
            NDArray z = UnitVectors.l2normalize(features);
            NDArray flat = z.reshape(-1, config.codeDim());
            if (!initialised) {
                initialiseByKMeans(flat.stopGradient(), retired);
            }
            // Borrowed for the call so that what is computed from the state is freed with the call.
            codebook.tempAttach(scratch);
            clusterSize.tempAttach(scratch);
            NDArray tokens = nearestCodes(flat);
            NDArray zq = Rows.pick(codebook, tokens).reshape(shape);

            NDArray assignment = tokens.oneHot(config.numCodes(), flat.getDataType());
            NDArray counts = assignment.sum(new int[] {0});
            replaceClusterSize(ema(clusterSize, counts), retired);
            int restarted = 0;
            if (training) {
                restarted = updateCodebook(flat.stopGradient(), assignment, counts, retired);
            }

            NDArray commitment = Scalars.times(zq.stopGradient().sub(z).square().mean(), config.beta());
            // Straight-through: the value of z_q, the gradient of z.
            NDArray quantized = z.add(zq.sub(z).stopGradient());
            output = new QuantizerOutput(z, quantized, tokens, commitment, restarted);
            for (NDArray result : List.of(z, quantized, tokens, commitment)) {
                result.attach(caller);
            }
        }
        retired.forEach(NDArray::close);
        return output;
    }

    /** argmin of |z|^2 + |e|^2 - 2 z.e, written like the reference so near-ties resolve the same way. */
    private NDArray nearestCodes(NDArray flat) {
        NDArray distances = flat.square().sum(new int[] {1}, true)
                .add(codebook.square().sum(new int[] {1}))
                .sub(flat.matMul(codebook.transpose()).mul(2));
        return distances.argMin(1);
    }

    /**
     * The reference's update: the mean of the vectors assigned to each used code, normalised, is mixed into
     * the code with weight 1 - decay and the row renormalised; unused codes keep their row (renormalised).
     */
    private int updateCodebook(NDArray flat, NDArray assignment, NDArray counts, List<NDArray> retired) {
        NDArray unused = counts.eq(0);
        NDArray sums = assignment.transpose().matMul(flat);
        NDArray means = UnitVectors.l2normalize(sums.div(counts.maximum(1).reshape(-1, 1)));
        NDArray target = Rows.select(unused, codebook, means);
        NDArray moved = UnitVectors.l2normalize(ema(codebook, target));
        if (!config.deadCodeRestart().enabled()) {
            replaceCodebook(moved, retired);
            return 0;
        }
        double[] perCode = counts.toType(DataType.FLOAT64, false).toDoubleArray();
        DeadCodeRestart.Outcome outcome = deadCodeRestart.step(perCode, moved, flat);
        replaceCodebook(outcome.codebook(), retired);
        return outcome.restarted();
    }

    private void initialiseByKMeans(NDArray flat, List<NDArray> retired) {
        LOG.info("initialising the codebook of {} codes by cosine k-means on {} vectors", config.numCodes(),
                flat.getShape().get(0));
        NDArray init = CosineKMeans.drawInitialIndices(flat, config.numCodes(), kmeansRandom);
        CosineKMeans.Result result = CosineKMeans.fit(flat, init, CosineKMeans.ITERATIONS);
        replaceCodebook(result.means(), retired);
        initialised = true;
    }

    private NDArray ema(NDArray average, NDArray value) {
        return Scalars.times(average, config.decay()).add(Scalars.times(value, 1 - config.decay()));
    }

    private void replaceCodebook(NDArray next, List<NDArray> retired) {
        next.attach(state);
        retire(codebook, retired);
        codebook = next;
    }

    private void replaceClusterSize(NDArray next, List<NDArray> retired) {
        next.attach(state);
        retire(clusterSize, retired);
        clusterSize = next;
    }

    /** Arrays still borrowed by a call's scratch manager are closed only after it has handed them back. */
    private static void retire(NDArray old, List<NDArray> retired) {
        if (retired == null) {
            old.close();
        } else {
            retired.add(old);
        }
    }

    private static void requireShape(String name, NDArray array, Shape expected) {
        if (!array.getShape().equals(expected)) {
            throw new IllegalArgumentException(name + " must have shape " + expected + ", got " + array.getShape());
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
