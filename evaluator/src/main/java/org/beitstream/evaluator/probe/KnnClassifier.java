package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.PriorityQueue;

/**
 * Weighted k-nearest-neighbour classification as in DINO's evaluation: features are l2-normalised, the k training
 * rows of highest cosine similarity vote for their labels with weight {@code exp(similarity / temperature)}.
 * No training, so it shows what the raw feature geometry holds, next to what a linear head can extract.
 *
 * @param k           neighbours that vote (20 in DINO)
 * @param temperature sharpness of the vote weights (0.07 in DINO)
 */
public record KnnClassifier(int k, double temperature) {
    /** Test rows compared with the whole training set at once. */
    private static final int CHUNK_ROWS = 512;

    public KnnClassifier {
        if (k < 1) {
            throw new IllegalArgumentException("k-NN k must be >= 1, got " + k);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("k-NN temperature must be a positive finite number, got " + temperature);
        }
    }

    public double accuracy(Matrix train, int[] trainLabels, int classes, Matrix test, int[] testLabels,
                           NDManager manager) {
        int[] predicted = new int[test.rows()];
        int neighbours = Math.min(k, train.rows());
        try (NDManager scope = manager.newSubManager()) {
            NDArray trainColumns = unit(train.rows(scope, 0, train.rows())).transpose();
            for (int from = 0; from < test.rows(); from += CHUNK_ROWS) {
                int to = Math.min(test.rows(), from + CHUNK_ROWS);
                try (NDManager step = scope.newSubManager()) {
                    NDArray testRows = unit(test.rows(step, from, to));
                    float[] similarity = testRows.matMul(trainColumns).toFloatArray();
                    for (int i = 0; i < to - from; i++) {
                        predicted[from + i] = vote(similarity, i * train.rows(), train.rows(), trainLabels,
                                classes, neighbours);
                    }
                }
            }
        }
        return Accuracy.of(predicted, testLabels);
    }

    private int vote(float[] similarity, int offset, int count, int[] labels, int classes, int neighbours) {
        // A min-heap of the best neighbours so far: the weakest is the one to replace.
        PriorityQueue<Integer> nearest = new PriorityQueue<>(
                (a, b) -> Float.compare(similarity[offset + a], similarity[offset + b]));
        for (int j = 0; j < count; j++) {
            if (nearest.size() < neighbours) {
                nearest.add(j);
            } else if (similarity[offset + j] > similarity[offset + nearest.peek()]) {
                nearest.poll();
                nearest.add(j);
            }
        }
        double[] votes = new double[classes];
        for (int j : nearest) {
            votes[labels[j]] += Math.exp(similarity[offset + j] / temperature);
        }
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (votes[c] > votes[best]) {
                best = c;
            }
        }
        return best;
    }

    /** Rows scaled to unit length (all-zero rows stay zero). */
    private static NDArray unit(NDArray rows) {
        NDArray norms = rows.norm(new int[] {1}, true);
        return rows.div(norms.maximum(norms.getManager().create(1e-12f)));
    }
}
