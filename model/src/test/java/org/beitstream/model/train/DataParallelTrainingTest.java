package org.beitstream.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.optim.AdamWConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data parallelism gives the step of one device on the whole batch. There is one CPU here, but the maths does
 * not depend on where the replicas are: listing the CPU several times makes separate copies on separate managers.
 */
class DataParallelTrainingTest {
    /** 16×16 grey images, 4×4 patches (16 per image), width 32, 2 layers + 1 aggregation layer, 16 tokens. */
    private static final BeitConfig TINY = new BeitConfig(16, 4, 1, 32, 2, 2, 2.0, 1, 1, 16, 0.1,
            true, false, false, true, 0.02);

    private static MimTrainingStep.Settings constantRate(double lr) {
        return MimTrainingStep.Settings.recipe(new LearningRateSchedule.ConstantAfterWarmup(lr, 0, 0));
    }

    /**
     * The recipe with a larger eps for comparing parameters: Adam divides by √v, so a gradient element near zero
     * moves its parameter by up to the learning rate whatever its size, and the float rounding of a different
     * summation order (per chunk, then across replicas) would show at the scale of the learning rate.
     */
    private static MimTrainingStep.Settings comparable(double lr) {
        return new MimTrainingStep.Settings(new AdamWConfig(0.9, 0.98, 1e-5, 3.0), 0.05,
                new LearningRateSchedule.ConstantAfterWarmup(lr, 0, 0));
    }

    private static List<Device> cpus(int count) {
        return Collections.nCopies(count, Device.cpu());
    }

    /** Image {@code b} has {@code 2 + b % 5} masked patches, so chunks of equal image counts differ in tokens. */
    private record Batch(NDArray images, NDArray mask, NDArray labels) {
        static int masked(int image) {
            return 2 + image % 5;
        }

        static Batch random(NDManager manager, int size, long seed) {
            Random random = new Random(seed);
            float[] pixels = new float[size * TINY.imgSize() * TINY.imgSize()];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            boolean[] mask = new boolean[size * TINY.numPatches()];
            int tokens = 0;
            for (int b = 0; b < size; b++) {
                tokens += masked(b);
            }
            long[] labels = new long[tokens];
            int label = 0;
            for (int b = 0; b < size; b++) {
                for (int k = 0; k < masked(b); k++) {
                    mask[b * TINY.numPatches() + 2 * k + (b % 2)] = true;
                    labels[label++] = random.nextInt(TINY.vocabSize());
                }
            }
            return new Batch(manager.create(pixels, new Shape(size, 1, TINY.imgSize(), TINY.imgSize())),
                    manager.create(mask, new Shape(size, TINY.numPatches())), manager.create(labels));
        }
    }

    @ParameterizedTest(name = "{0} devices, {1} images")
    @CsvSource({"2, 6", "2, 7", "3, 6", "3, 7"})
    void replicasTrainAsOneDeviceOnTheWholeBatch(int devices, int images) {
        try (NDManager one = NDManager.newBaseManager(); NDManager several = NDManager.newBaseManager()) {
            BeitPretrainingModel single = BeitPretrainingModel.create(TINY, one, 3);
            BeitPretrainingModel parallel = BeitPretrainingModel.create(TINY, several, 3);
            try (MimTrainingStep reference = new MimTrainingStep(single, comparable(3e-3), one, 0);
                 MimTrainingStep training = new MimTrainingStep(parallel, comparable(3e-3), several, 0,
                         cpus(devices))) {
                for (long seed = 5; seed < 7; seed++) {
                    Batch a = Batch.random(one, images, seed);
                    Batch b = Batch.random(several, images, seed);
                    MimTrainingStep.Result expected = reference.step(a.images(), a.mask(), a.labels());
                    MimTrainingStep.Result actual = training.step(b.images(), b.mask(), b.labels());
                    assertFalse(actual.skipped());
                    assertClose(expected.loss(), actual.loss(), "loss");
                    assertClose(expected.lossMim(), actual.lossMim(), "lossMim");
                    assertClose(expected.lossAggregation(), actual.lossAggregation(), "lossAggregation");
                    assertClose(expected.mimAccuracy(), actual.mimAccuracy(), "mimAccuracy");
                    assertClose(expected.gradNorm(), actual.gradNorm(), "gradNorm");
                }
                Map<String, float[]> expected = snapshot(single);
                Map<String, float[]> actual = snapshot(parallel);
                expected.forEach((name, values) -> assertParametersClose(values, actual.get(name), name));
                assertEquals(devices - 1, training.replicas().size());
                for (Replica replica : training.replicas()) {
                    Map<String, float[]> copy = snapshot(replica.model());
                    actual.forEach((name, values) -> assertArrayEquals(values, copy.get(name), name));
                }
            }
        }
    }

    /** 7 images on 2 devices: 4 and 3 images, weighted by their masked tokens rather than their images. */
    @Test
    void unevenChunksAreWeightedByMaskedTokens() {
        int[] masked = new int[7];
        for (int b = 0; b < masked.length; b++) {
            masked[b] = Batch.masked(b);
        }
        BatchSplit split = BatchSplit.of(masked, 2);
        // Images 0-3 mask 2+3+4+5 = 14 patches, images 4-6 mask 6+2+3 = 11.
        assertEquals(List.of(new BatchSplit.Chunk(0, 4, 0, 14, 14.0 / 25), new BatchSplit.Chunk(4, 7, 14, 25, 11.0 / 25)),
                split.chunks());
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch batch = Batch.random(manager, 7, 5);
            assertArrayEquals(masked, BatchSplit.maskedPerImage(batch.mask()));
        }
    }

    @Test
    void aBatchSmallerThanTheDeviceCountIsRejected() {
        withStep(3, 2, (training, model, batch) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> training.step(batch.images(), batch.mask(), batch.labels()));
            assertEquals("a batch of 2 images cannot be split over 3 devices: use a batch size of at least 3",
                    e.getMessage());
            assertEquals(0, training.iteration(), "a rejected batch consumes no iteration");
        });
    }

    @Test
    void theFirstDeviceMustBeTheModels() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MimTrainingStep(model, constantRate(1e-3), manager, 0, List.of(Device.gpu(0))));
            assertTrue(e.getMessage().startsWith("the first device must be the model's (cpu()"), e.getMessage());
        }
    }

    /** A NaN in the last replica's images skips the step everywhere: no replica changes. */
    @Test
    void aNonFiniteLossOnOneReplicaSkipsTheStepForAll() {
        withStep(2, 6, (training, model, batch) -> {
            batch.images().set(new NDIndex("5, 0, 0, 0"), Float.NaN);
            Map<String, float[]> before = snapshot(model);
            MimTrainingStep.Result result = training.step(batch.images(), batch.mask(), batch.labels());
            assertTrue(result.skipped());
            assertEquals(0, training.optimizer().stepCount());
            for (BeitPretrainingModel m : List.of(model, training.replicas().get(0).model())) {
                Map<String, float[]> after = snapshot(m);
                before.forEach((name, values) -> assertArrayEquals(values, after.get(name), name));
            }
        });
    }

    /** Each step frees what it allocated, on the replicas' managers too. */
    @Test
    void stepsDoNotAccumulateArrays() {
        withStep(2, 6, (training, model, batch) -> {
            NDManager replica = training.replicas().get(0).manager();
            int[] counts = new int[6];
            int[] replicaCounts = new int[6];
            for (int i = 0; i < counts.length; i++) {
                training.step(batch.images(), batch.mask(), batch.labels());
                counts[i] = model.parameters().values().iterator().next().getManager().getManagedArrays().size();
                replicaCounts[i] = replica.getManagedArrays().size();
            }
            assertEquals(counts[2], counts[5], "arrays leaked across steps");
            assertEquals(replicaCounts[2], replicaCounts[5], "replica arrays leaked across steps");
        });
    }

    private interface StepCheck {
        void check(MimTrainingStep training, BeitPretrainingModel model, Batch batch);
    }

    /** Runs {@code check} on a step over {@code devices} CPU replicas and a random batch of {@code images}. */
    private static void withStep(int devices, int images, StepCheck check) {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 3);
            Batch batch = Batch.random(manager, images, 5);
            try (MimTrainingStep training = new MimTrainingStep(model, constantRate(1e-3), manager, 0,
                    cpus(devices))) {
                check.check(training, model, batch);
            }
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        double scale = Math.max(Math.abs(expected), Math.abs(actual));
        assertTrue(Math.abs(expected - actual) <= 1e-5 * scale, what + ": " + expected + " vs " + actual);
    }

    private static void assertParametersClose(float[] expected, float[] actual, String name) {
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.max(Math.abs(expected[i]), Math.abs(actual[i])));
        }
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-4 * scale,
                    name + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }

    private static Map<String, float[]> snapshot(BeitPretrainingModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, p.toFloatArray()));
        return out;
    }
}
