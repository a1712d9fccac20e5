package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Rows of features on the Java heap, row-major. The probes keep their data here rather than in native memory so
 * that every training iteration can copy just the rows it needs onto a short-lived manager.
 */
public record Matrix(float[] data, int rows, int columns) {
    public Matrix {
        if (rows < 0 || columns < 1 || data.length != (long) rows * columns) {
            throw new IllegalArgumentException(rows + "x" + columns + " matrix needs " + (long) rows * columns
                    + " values, got " + data.length);
        }
    }

    public float get(int row, int column) {
        return data[row * columns + column];
    }

    /** Rows {@code [from, to)} as a {@code [to - from, columns]} array on {@code manager}. */
    NDArray rows(NDManager manager, int from, int to) {
        float[] slice = java.util.Arrays.copyOfRange(data, from * columns, to * columns);
        return manager.create(slice, new Shape(to - from, columns));
    }
}
