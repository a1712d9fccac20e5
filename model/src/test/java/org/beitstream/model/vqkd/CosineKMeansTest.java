package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CosineKMeansTest {
    @Test
    void initialRowsAreDistinctWhenThereAreEnoughSamples() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = CosineKMeans.drawInitialIndices(manager.zeros(new Shape(20, 4)), 20, new Random(1))
                    .toLongArray();
            assertEquals(20, Arrays.stream(indices).distinct().count());
            long[] few = CosineKMeans.drawInitialIndices(manager.zeros(new Shape(3, 4)), 10, new Random(1))
                    .toLongArray();
            assertEquals(10, few.length);
            assertTrue(Arrays.stream(few).allMatch(i -> i >= 0 && i < 3));
        }
    }
}
