package org.beitstream.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HogTeacherTest {
    private static final int SIDE = 24;

    /** A 3-channel image whose pixel (y, x) is 1 where {@code bright} says so, else 0. */
    private static NDArray image(NDManager manager, java.util.function.BiPredicate<Integer, Integer> bright) {
        float[] data = new float[3 * SIDE * SIDE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    data[(c * SIDE + y) * SIDE + x] = bright.test(y, x) ? 1 : 0;
                }
            }
        }
        return manager.create(data, new Shape(1, 3, SIDE, SIDE));
    }

    /** Histogram of patch (row, col) of a 3x3 grid. */
    private static float[] patch(NDArray features, int row, int col) {
        return features.get(0, row * 3 + col).toFloatArray();
    }

    @Test
    void verticalEdgePutsItsMassInTheHorizontalGradientBin() {
        try (NDManager manager = NDManager.newBaseManager(); var hog = new HogTeacher(new HogTeacher.Config(8, 8))) {
            NDArray features = hog.patchFeatures(image(manager, (y, x) -> x >= 12));
            assertEquals(new Shape(1, 9, 8), features.getShape());
            for (int row = 0; row < 3; row++) {
                assertArrayEquals(new float[] {1, 0, 0, 0, 0, 0, 0, 0}, patch(features, row, 1), 1e-6f);
                // Patches away from the edge see no gradient at all.
                assertArrayEquals(new float[8], patch(features, row, 0), 0f);
                assertArrayEquals(new float[8], patch(features, row, 2), 0f);
            }
        }
    }

    @Test
    void horizontalEdgeUsesTheVerticalBinAndContrastDoesNotMatter() {
        try (NDManager manager = NDManager.newBaseManager(); var hog = new HogTeacher(new HogTeacher.Config(8, 8))) {
            NDArray strong = hog.patchFeatures(image(manager, (y, x) -> y >= 12));
            NDArray faint = hog.patchFeatures(image(manager, (y, x) -> y >= 12).mul(0.1f));
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, 0, 0, 0}, patch(strong, 1, 0), 1e-6f);
            assertArrayEquals(strong.toFloatArray(), faint.toFloatArray(), 1e-4f);
        }
    }

    @Test
    void diagonalEdgeSplitsBetweenNeighbouringBins() {
        try (NDManager manager = NDManager.newBaseManager(); var hog = new HogTeacher(new HogTeacher.Config(8, 4))) {
            // Gradient along (1, 1): 45 degrees, exactly the centre of bin 1 of 4.
            float[] h = patch(hog.patchFeatures(image(manager, (y, x) -> x + y >= 24)), 1, 1);
            assertEquals(1, h[1], 1e-6f);
            assertEquals(0, h[0] + h[2] + h[3], 1e-6f);
        }
    }

    @Test
    void rejectsImagesThatAreNotWholePatches() {
        try (NDManager manager = NDManager.newBaseManager(); var hog = new HogTeacher(new HogTeacher.Config(7, 9))) {
            NDArray images = manager.zeros(new Shape(1, 3, SIDE, SIDE));
            assertThrows(IllegalArgumentException.class, () -> hog.patchFeatures(images));
        }
    }
}
