package org.beitstream.app.bench;

import java.util.Arrays;
import java.util.List;

/** Medians of repeated measurements: shared machines are noisy, so single runs are not quoted. */
final class Medians {
    private Medians() {}

    static double of(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String list(List<Double> values) {
        return Arrays.toString(values.stream().mapToLong(Math::round).toArray());
    }
}
