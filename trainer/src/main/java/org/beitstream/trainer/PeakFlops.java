package org.beitstream.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The device's practical peak, measured once: float32 square matrix products, the operation that dominates a
 * transformer. Model FLOPs utilisation is the achieved training FLOP/s over this number, so it says how much of
 * what this machine can do the trainer really uses (data waits, small batches and Java overheads lower it).
 */
final class PeakFlops {
    private static final double MIN_SECONDS = 0.25;

    private PeakFlops() {}

    /** FLOP/s of {@code n x n} matrix products on the device of {@code parent}. */
    static double measure(NDManager parent) {
        int n = parent.getDevice().isGpu() ? 4096 : 1024;
        try (NDManager manager = parent.newSubManager()) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = manager.randomUniform(-1, 1, new Shape(n, n));
            a.matMul(b).getFloat(0, 0); // warm-up: kernels, thread pool, allocator
            long products = 0;
            long start = System.nanoTime();
            double seconds;
            do {
                NDArray c = a.matMul(b);
                c.getFloat(0, 0); // reading a value waits for an asynchronous device
                c.close();
                products++;
                seconds = (System.nanoTime() - start) / 1e9;
            } while (seconds < MIN_SECONDS);
            return 2.0 * n * n * n * products / seconds;
        }
    }
}
