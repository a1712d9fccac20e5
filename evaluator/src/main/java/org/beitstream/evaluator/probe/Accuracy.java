package org.beitstream.evaluator.probe;

/** The share of predictions equal to the truth. */
final class Accuracy {
    private Accuracy() {}

    static double of(int[] predicted, int[] truth) {
        if (predicted.length != truth.length || truth.length == 0) {
            throw new IllegalArgumentException("accuracy needs as many predictions as labels (and some), got "
                    + predicted.length + " and " + truth.length);
        }
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            if (predicted[i] == truth[i]) {
                correct++;
            }
        }
        return correct / (double) truth.length;
    }
}
