package org.beitstream.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.optim.LearningRateSchedule;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MimTrainingStepTest {
    /** 16×16 grey images, 4×4 patches (16 per image), width 32, 2 layers + 1 aggregation layer, 16 tokens. */
    private static final BeitConfig TINY = new BeitConfig(16, 4, 1, 32, 2, 2, 2.0, 1, 1, 16, 0.1,
            true, false, false, true, 0.02);
    private static final int BATCH = 4;
    private static final int MASKED_PER_IMAGE = 6;

    private static MimTrainingStep.Settings constantRate(double lr) {
        return MimTrainingStep.Settings.recipe(new LearningRateSchedule.ConstantAfterWarmup(lr, 0, 0));
    }

    /** A fixed batch: random images, the first MASKED_PER_IMAGE patches of each image masked, random labels. */
    private record Batch(NDArray images, NDArray mask, NDArray labels) {
        static Batch random(NDManager manager, long seed) {
            Random random = new Random(seed);
            float[] pixels = new float[BATCH * TINY.imgSize() * TINY.imgSize()];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            boolean[] mask = new boolean[BATCH * TINY.numPatches()];
            long[] labels = new long[BATCH * MASKED_PER_IMAGE];
            for (int b = 0; b < BATCH; b++) {
                for (int k = 0; k < MASKED_PER_IMAGE; k++) {
                    mask[b * TINY.numPatches() + 2 * k + (b % 2)] = true;
                    labels[b * MASKED_PER_IMAGE + k] = random.nextInt(TINY.vocabSize());
                }
            }
            return new Batch(manager.create(pixels, new Shape(BATCH, 1, TINY.imgSize(), TINY.imgSize())),
                    manager.create(mask, new Shape(BATCH, TINY.numPatches())), manager.create(labels));
        }
    }

    @Test
    void lossDecreasesOnAFixedBatch() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 3);
            Batch batch = Batch.random(manager, 5);
            try (MimTrainingStep training = new MimTrainingStep(model, constantRate(3e-3), manager, 0)) {
                MimTrainingStep.Result first = training.step(batch.images(), batch.mask(), batch.labels());
                MimTrainingStep.Result last = first;
                for (int i = 1; i < 20; i++) {
                    last = training.step(batch.images(), batch.mask(), batch.labels());
                    assertFalse(last.skipped());
                }
                // 16 equally likely tokens at init: each cross-entropy starts near ln 16 = 2.77.
                assertEquals(2 * Math.log(16), first.loss(), 0.5);
                assertEquals(first.lossMim() + first.lossAggregation(), first.loss(), 1e-5);
                assertTrue(last.loss() < 0.8 * first.loss(), "loss " + first.loss() + " -> " + last.loss());
                assertTrue(last.mimAccuracy() > first.mimAccuracy() + 0.15,
                        "accuracy " + first.mimAccuracy() + " -> " + last.mimAccuracy());
                assertTrue(last.gradNorm() > 0 && Double.isFinite(last.gradNorm()));
                assertEquals(3e-3, last.learningRate(), 1e-12);
                assertEquals(20, training.iteration());
                assertEquals(20, training.optimizer().stepCount());
            }
        }
    }

    @Test
    void nonFiniteLossIsSkippedAndLeavesParametersUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 3);
            Batch batch = Batch.random(manager, 5);
            NDArray poisoned = batch.images().duplicate();
            poisoned.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0, 0"), Float.NaN);
            LearningRateSchedule warmup = new LearningRateSchedule.ConstantAfterWarmup(1e-3, 4, 0);
            try (MimTrainingStep training = new MimTrainingStep(model, MimTrainingStep.Settings.recipe(warmup),
                    manager, 0)) {
                Map<String, float[]> before = snapshot(model);
                MimTrainingStep.Result skipped = training.step(poisoned, batch.mask(), batch.labels());
                assertTrue(skipped.skipped());
                assertTrue(Double.isNaN(skipped.loss()));
                Map<String, float[]> after = snapshot(model);
                before.forEach((name, values) -> assertArrayEquals(values, after.get(name), name));
                assertEquals(0, training.optimizer().stepCount());

                // The schedule moves on; the next finite batch trains normally.
                MimTrainingStep.Result next = training.step(batch.images(), batch.mask(), batch.labels());
                assertFalse(next.skipped());
                assertEquals(warmup.at(1), next.learningRate(), 1e-15);
                assertFalse(Arrays.equals(before.get("mask_token"), snapshot(model).get("mask_token")));
            }
        }
    }

    /** Each step frees what it allocated: the long-lived manager holds the same arrays after 3 and 8 steps. */
    @Test
    void stepsDoNotAccumulateArrays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 3);
            Batch batch = Batch.random(manager, 5);
            try (MimTrainingStep training = new MimTrainingStep(model, constantRate(1e-3), manager, 0)) {
                int[] counts = new int[8];
                for (int i = 0; i < counts.length; i++) {
                    training.step(batch.images(), batch.mask(), batch.labels());
                    counts[i] = manager.getManagedArrays().size();
                }
                assertEquals(counts[2], counts[7], "arrays leaked across steps: " + Arrays.toString(counts));
                assertEquals(BATCH, batch.images().getShape().get(0), "inputs stay usable after the steps");
            }
        }
    }

    /**
     * Without its two aggregation blocks and heads, the base preset is ViT-B/16, whose forward pass is
     * 17.58 G multiply-adds at 224 px (the figure fvcore and timm report).
     */
    @Test
    void flopCountOfTheBaseBackboneMatchesViTB16() {
        BeitConfig base = BeitConfig.BASE;
        BeitConfig oneMoreBlock = new BeitConfig(224, 16, 3, 768, 13, 12, 4.0, 9, 2, 8192, 0.1,
                true, false, false, true, 0.02);
        double perBlock = MimTrainingStep.flopsPerImage(oneMoreBlock, 0).forward()
                - MimTrainingStep.flopsPerImage(base, 0).forward();
        double backbone = MimTrainingStep.flopsPerImage(base, 0).forward() - base.headLayers() * perBlock;
        assertEquals(17.58e9, backbone / 2, 0.01 * 17.58e9);

        MimTrainingStep.Flops withHeads = MimTrainingStep.flopsPerImage(base, 75);
        assertEquals(2 * 2.0 * 75 * 768 * 8192, withHeads.forward() - MimTrainingStep.flopsPerImage(base, 0).forward(),
                1.0);
        assertEquals(3 * withHeads.forward(), withHeads.training(), 1.0);
    }

    private static Map<String, float[]> snapshot(BeitPretrainingModel model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> values.put(name, p.toFloatArray()));
        return values;
    }
}
