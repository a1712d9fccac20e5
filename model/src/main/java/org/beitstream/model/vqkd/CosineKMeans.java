package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Random;
import java.util.stream.LongStream;

/**
 * Spherical k-means used to initialise the codebook from the first batch of (unit) encoder outputs:
 * samples are assigned to the mean with the largest dot product, and each mean becomes the normalised
 * average of its samples; a cluster that receives nothing keeps its previous mean.
 */
public final class CosineKMeans {
    /** The reference runs a fixed number of iterations, without a convergence test. */
    public static final int ITERATIONS = 10;

    /**
     * @param means unit rows [K, c]
     * @param bins  sizes of the clusters from the last assignment, which was made with the means from
     *              before the last update (so they need not match an assignment to the returned means)
     */
    public record Result(NDArray means, NDArray bins) {}

    private CosineKMeans() {}

    /** Initial means drawn like the reference: distinct rows when there are enough, else with replacement. */
    public static NDArray drawInitialIndices(NDArray samples, int numClusters, Random random) {
        long numSamples = samples.getShape().get(0);
        LongStream draws = random.longs(0, numSamples);
        long[] indices = (numSamples >= numClusters ? draws.distinct() : draws).limit(numClusters).toArray();
        return samples.getManager().create(indices);
    }

    /** Runs k-means on unit rows {@code samples} [S, c], starting from {@code samples[initIndices]}. */
    public static Result fit(NDArray samples, NDArray initIndices, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("k-means needs at least one iteration, got " + iterations);
        }
        int numClusters = Math.toIntExact(initIndices.size());
        NDArray means = Rows.pick(samples, initIndices);
        NDArray bins = null; // set by the first iteration
        for (int it = 0; it < iterations; it++) {
            NDArray buckets = samples.matMul(means.transpose()).argMax(1);
            NDArray assignment = buckets.oneHot(numClusters, samples.getDataType());
            bins = assignment.sum(new int[] {0});
            NDArray empty = bins.eq(0);
            NDArray sums = assignment.transpose().matMul(samples);
            NDArray updated = UnitVectors.l2normalize(sums.div(bins.maximum(1).reshape(-1, 1)));
            means = Rows.select(empty, means, updated);
        }
        return new Result(means, bins.toType(DataType.INT64, false));
    }
}
