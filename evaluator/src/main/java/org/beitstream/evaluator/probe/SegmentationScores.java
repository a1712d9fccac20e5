package org.beitstream.evaluator.probe;

/**
 * The confusion matrix of pixel predictions and the two standard segmentation scores read from it. Every class
 * counts, the background included; a class absent from both the predictions and the truth has no IoU (0/0) and
 * is left out of the mean, as in mmsegmentation's mIoU.
 */
public final class SegmentationScores {
    private final int classes;
    private final long[] confusion; // [truth * classes + predicted]

    public SegmentationScores(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        }
        this.classes = classes;
        this.confusion = new long[classes * classes];
    }

    /** Counts one image's (or any number of) pixels: {@code predicted[i]} against {@code truth[i]}. */
    public void add(byte[] predicted, byte[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(predicted.length + " predicted pixels for " + truth.length);
        }
        for (int i = 0; i < truth.length; i++) {
            confusion[(truth[i] & 0xff) * classes + (predicted[i] & 0xff)]++;
        }
    }

    /** Mean over classes present in truth or prediction of {@code TP / (TP + FP + FN)}. */
    public double meanIoU() {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            long truePositive = confusion[c * classes + c];
            long union = rowSum(c) + columnSum(c) - truePositive;
            if (union > 0) {
                sum += truePositive / (double) union;
                present++;
            }
        }
        return present == 0 ? 0 : sum / present;
    }

    /** The share of pixels whose predicted class is the true one. */
    public double pixelAccuracy() {
        long correct = 0;
        long total = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c * classes + c];
            total += rowSum(c);
        }
        return total == 0 ? 0 : correct / (double) total;
    }

    private long rowSum(int truth) {
        long sum = 0;
        for (int p = 0; p < classes; p++) {
            sum += confusion[truth * classes + p];
        }
        return sum;
    }

    private long columnSum(int predicted) {
        long sum = 0;
        for (int t = 0; t < classes; t++) {
            sum += confusion[t * classes + predicted];
        }
        return sum;
    }
}
