package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The linear probe: multinomial logistic regression on standardised frozen features (softmax, mean
 * cross-entropy, L2). No BatchNorm in front, as in BEiT's linear evaluation; standardising with the training
 * statistics is the same affine map folded out of the head.
 */
public final class LogisticRegression {
    /** Rows per native chunk: bounds native memory whatever the training-set size. */
    private static final int CHUNK_ROWS = 4096;

    private final Standardizer standardizer;
    private final LinearHead head;

    private LogisticRegression(Standardizer standardizer, LinearHead head) {
        this.standardizer = standardizer;
        this.head = head;
    }

    /** Fits the probe to {@code features} with {@code labels} in {@code [0, classes)}. */
    public static LogisticRegression fit(Matrix features, int[] labels, int classes, ProbeSettings settings,
                                         NDManager manager) {
        if (labels.length != features.rows()) {
            throw new IllegalArgumentException(features.rows() + " rows but " + labels.length + " labels");
        }
        Standardizer standardizer = Standardizer.fit(features);
        Matrix x = standardizer.apply(features);
        LinearHead head = LinearHead.train(x.columns(), classes, settings, (h, gradient) -> {
            for (int from = 0; from < x.rows(); from += CHUNK_ROWS) {
                int to = Math.min(x.rows(), from + CHUNK_ROWS);
                try (NDManager step = manager.newSubManager()) {
                    NDArray rows = x.rows(step, from, to);
                    NDArray y = step.create(java.util.Arrays.copyOfRange(labels, from, to));
                    h.accumulate(rows, LinearHead.crossEntropyGradient(h.logits(rows), y, 1, x.rows()), gradient);
                }
            }
        });
        return new LogisticRegression(standardizer, head);
    }

    /** The most likely class of each row. */
    public int[] predict(Matrix features, NDManager manager) {
        Matrix x = standardizer.apply(features);
        int[] predicted = new int[x.rows()];
        for (int from = 0; from < x.rows(); from += CHUNK_ROWS) {
            int to = Math.min(x.rows(), from + CHUNK_ROWS);
            try (NDManager step = manager.newSubManager()) {
                long[] best = head.logits(x.rows(step, from, to)).argMax(1).toLongArray();
                for (int i = 0; i < best.length; i++) {
                    predicted[from + i] = (int) best[i];
                }
            }
        }
        return predicted;
    }

    /** The share of rows whose predicted class is their label. */
    public double accuracy(Matrix features, int[] labels, NDManager manager) {
        return Accuracy.of(predict(features, manager), labels);
    }
}
