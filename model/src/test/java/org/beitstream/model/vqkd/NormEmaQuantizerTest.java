package org.beitstream.model.vqkd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormEmaQuantizerTest {

    /** Vectors clustered around the first {@code clusters} axes, so only a few codes can ever win. */
    private static NDArray clusteredInputs(NDManager manager, int count, int dim, int clusters, long seed) {
        Random random = new Random(seed);
        float[] data = new float[count * dim];
        for (int i = 0; i < count; i++) {
            data[i * dim + (i % clusters)] = 1;
            for (int d = 0; d < dim; d++) {
                data[i * dim + d] += (float) (0.01 * random.nextGaussian());
            }
        }
        return manager.create(data, new Shape(count, dim));
    }

    @Test
    void deadCodesAreReseededFromRecentOutputsAndThenUsed() {
        var settings = new DeadCodeRestart.Settings(2, 7);
        var config = new QuantizerConfig(32, 8, 1.0, 0.99, false, settings);
        try (NDManager manager = NDManager.newBaseManager();
             NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 3)) {
            int restarted = 0;
            for (int step = 0; step < 3; step++) {
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray batch = clusteredInputs(stepManager, 64, 8, 4, step);
                    restarted += quantizer.forward(batch, true).restartedCodes();
                }
            }
            // Tight clusters are each won by about one code, so most of the 32 codes idle for 2 steps and move.
            assertTrue(restarted >= 24, "restarted " + restarted);
            // Moved codes sit on the data: a fresh batch now spreads over more than 4 codes.
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray batch = clusteredInputs(stepManager, 256, 8, 4, 99);
                long[] tokens = quantizer.forward(batch, false).tokens().toLongArray();
                assertTrue(CodebookUsage.ofTokens(tokens, 32).usedCodes() > 4);
            }
            float[] rows = quantizer.codebook().toFloatArray();
            for (int k = 0; k < 32; k++) {
                double norm = 0;
                for (int d = 0; d < 8; d++) {
                    norm += rows[k * 8 + d] * rows[k * 8 + d];
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-5, "code " + k + " is not unit");
            }
        }
    }

    @Test
    void withoutRestartDeadCodesStayWhereTheyAre() {
        var config = QuantizerConfig.reference(32, 8, 0.99, false);
        try (NDManager manager = NDManager.newBaseManager();
             NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 3)) {
            float[] before = quantizer.codebook().toFloatArray();
            long[] tokens = quantizer.forward(clusteredInputs(manager, 64, 8, 4, 0), true).tokens().toLongArray();
            float[] after = quantizer.codebook().toFloatArray();
            boolean[] used = new boolean[32];
            for (long t : tokens) {
                used[(int) t] = true;
            }
            for (int k = 0; k < 32; k++) {
                for (int d = 0; d < 8; d++) {
                    if (!used[k]) {
                        assertEquals(before[k * 8 + d], after[k * 8 + d], 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void straightThroughPassesTheDecoderGradientUnchanged() {
        var config = QuantizerConfig.reference(16, 4, 0.99, false);
        try (NDManager manager = NDManager.newBaseManager();
             NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 1)) {
            NDArray z = manager.create(new float[] {1, 0, 0, 0, 0, 1, 0, 0}, new Shape(2, 4));
            z.setRequiresGradient(true);
            NDArray weights = manager.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(2, 4));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                QuantizerOutput out = quantizer.forward(z, false);
                collector.backward(out.quantized().mul(weights).sum());
            }
            // z is already unit, and d(normalise)/dz projects out the component along z.
            float[] grad = z.getGradient().toFloatArray();
            assertArrayEquals(new float[] {0, 2, 3, 4, 5, 0, 7, 8}, grad, 1e-5f);
        }
    }

    @Test
    void kmeansInitialisationPutsCodesOnTheData() {
        var config = QuantizerConfig.reference(4, 8, 0.99, true);
        try (NDManager manager = NDManager.newBaseManager();
             NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 5)) {
            QuantizerOutput out = quantizer.forward(clusteredInputs(manager, 64, 8, 4, 0), false);
            assertEquals(4, CodebookUsage.ofTokens(out.tokens().toLongArray(), 4).usedCodes());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, out.commitmentLoss().getDataType());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, quantizer.clusterSize().getDataType());
            assertTrue(out.commitmentLoss().getFloat() < 0.01f, "loss " + out.commitmentLoss().getFloat());
        }
    }

    @Test
    void usageReportsPerplexity() {
        CodebookUsage uniform = CodebookUsage.of(new double[] {1, 1, 1, 1, 0, 0, 0, 0});
        assertEquals(4, uniform.usedCodes());
        assertEquals(4, uniform.perplexity(), 1e-12);
        assertEquals(0.5, uniform.usedFraction(), 1e-12);
        assertEquals(1, CodebookUsage.ofTokens(new long[] {3, 3, 3}, 8).perplexity(), 1e-12);
    }
}
