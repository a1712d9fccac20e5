package org.beitstream.model.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Compares a computed tensor with its reference, in float64 so the comparison adds no error of its own. */
public final class TensorComparison {
    private TensorComparison() {}

    /** Relative error = max |actual - expected| / max |expected| (or the absolute error when the reference is 0). */
    public static CheckResult close(String group, String name, NDArray expected, NDArray actual, double tolerance) {
        if (!expected.getShape().equals(actual.getShape())) {
            return new CheckResult(group, name + " (shape " + actual.getShape() + " != " + expected.getShape() + ")",
                    Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, tolerance, false);
        }
        double[] e = expected.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] a = actual.toType(DataType.FLOAT64, false).toDoubleArray();
        double maxAbs = 0;
        double scale = 0;
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs(a[i] - e[i]);
            if (!(diff <= maxAbs)) {
                maxAbs = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
            }
            scale = Math.max(scale, Math.abs(e[i]));
        }
        double rel = scale == 0 ? maxAbs : maxAbs / scale;
        return new CheckResult(group, name, maxAbs, rel, tolerance, rel <= tolerance);
    }

    /** Exact equality, element by element (integer and boolean tensors). */
    public static CheckResult equal(String group, String name, NDArray expected, NDArray actual) {
        if (!expected.getShape().equals(actual.getShape())) {
            return CheckResult.exact(group, name + " (shape " + actual.getShape() + " != " + expected.getShape() + ")",
                    Long.MAX_VALUE);
        }
        long[] e = expected.toType(DataType.INT64, false).toLongArray();
        long[] a = actual.toType(DataType.INT64, false).toLongArray();
        long mismatches = 0;
        for (int i = 0; i < e.length; i++) {
            if (e[i] != a[i]) {
                mismatches++;
            }
        }
        return CheckResult.exact(group, name, mismatches);
    }
}
