package org.beitstream.model.vqkd;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.teacher.HogTeacher;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VqkdTrainingStepTest {
    private static final VqkdConfig PRESET = VqkdConfig.fmnistTiny();
    private static final int BATCH = 8;

    /** Bright rectangles of random size and place on a dark noisy ground: every patch has some gradient. */
    private static byte[] fixedBatch(long seed) {
        Random random = new Random(seed);
        int side = PRESET.encoder().imgSize();
        byte[] pixels = new byte[BATCH * side * side];
        for (int b = 0; b < BATCH; b++) {
            int x0 = random.nextInt(side / 2);
            int y0 = random.nextInt(side / 2);
            int x1 = x0 + 4 + random.nextInt(side / 2);
            int y1 = y0 + 4 + random.nextInt(side / 2);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inside = x >= x0 && x < x1 && y >= y0 && y < y1;
                    pixels[(b * side + y) * side + x] = (byte) ((inside ? 180 : 20) + random.nextInt(40));
                }
            }
        }
        return pixels;
    }

    private static VqkdTrainingStep.Settings constantRate(double lr) {
        return VqkdTrainingStep.Settings.recipe(new LearningRateSchedule.ConstantAfterWarmup(lr, 0, 0));
    }

    @Test
    void thePresetIsTheTokenizerOfBeitFmnistTiny() {
        BeitConfig beit = BeitConfig.FMNIST_TINY;
        assertEquals(beit.imgSize(), PRESET.encoder().imgSize());
        assertEquals(beit.inChans(), PRESET.encoder().inChans());
        assertEquals(beit.patchSize(), PRESET.encoder().patchSize());
        assertEquals(7, PRESET.encoder().gridSize());
        assertEquals(beit.vocabSize(), PRESET.nEmbed());
        assertEquals(new HogTeacher(HogTeacher.Config.forPatches(beit.patchSize())).featureDim(), PRESET.decoderOutDim());
        assertTrue(PRESET.quantizeKmeansInit());
        assertEquals(PRESET, VqkdConfig.preset("fmnist-tiny"));
        // Small enough for a 2-core CPU: well under the 3.8 M parameters of the backbone it serves.
        assertEquals(1_115_561L, VqkdTokenizer.parameterCount(PRESET));
        var unknown = assertThrows(IllegalArgumentException.class, () -> VqkdConfig.preset("fmnist-huge"));
        assertTrue(unknown.getMessage().contains("fmnist-tiny"), unknown.getMessage());
    }

    @Test
    void lossFallsOnARepeatedBatchAndMemoryStaysFlat() {
        byte[] batch = fixedBatch(1);
        try (BaseNDManager root = (BaseNDManager) NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(PRESET, root, 5);
             HogTeacher teacher = new HogTeacher(HogTeacher.Config.forPatches(4));
             VqkdTrainingStep training = new VqkdTrainingStep(tokenizer, teacher, constantRate(1e-3), root)) {
            VqkdTrainingStep.Result first = training.step(batch, BATCH);
            // After the first step the codebook has been initialised by k-means; from here on nothing may pile up.
            int arrays = root.getManagedArrays().size();
            VqkdTrainingStep.Result last = first;
            for (int i = 0; i < 9; i++) {
                last = training.step(batch, BATCH);
                assertEquals(arrays, root.getManagedArrays().size(), "arrays left behind by step " + (i + 2));
            }
            assertEquals(10, training.stepCount());
            assertTrue(last.loss() < 0.8 * first.loss(), "loss " + first.loss() + " -> " + last.loss());
            assertTrue(last.reconstructionLoss() < first.reconstructionLoss());
            assertEquals(last.loss(), last.reconstructionLoss() + last.commitmentLoss(), 1e-5);
            assertEquals(BATCH * 49L, Arrays.stream(last.codeCounts()).sum());
            assertEquals(PRESET.nEmbed(), last.usage().codebookSize());
            assertTrue(last.usage().usedCodes() > 1, "used " + last.usage().usedCodes());
        }
    }

    @Test
    void deadCodesAreRestartedOnlyWhenTheConfigAsks() {
        byte[] batch = fixedBatch(2);
        // 392 patches cannot use 1024 codes: with patience 1 every unused code is re-seeded after each step.
        for (var restart : new DeadCodeRestart.Settings[] {DeadCodeRestart.Settings.OFF, new DeadCodeRestart.Settings(1, 7)}) {
            try (NDManager root = NDManager.newBaseManager();
                 VqkdTokenizer tokenizer = VqkdTokenizer.create(PRESET.withDeadCodeRestart(restart), root, 5);
                 HogTeacher teacher = new HogTeacher(HogTeacher.Config.forPatches(4));
                 VqkdTrainingStep training = new VqkdTrainingStep(tokenizer, teacher, constantRate(1e-4), root)) {
                VqkdTrainingStep.Result result = training.step(batch, BATCH);
                long unused = Arrays.stream(result.codeCounts()).filter(c -> c == 0).count();
                assertEquals(restart.enabled() ? unused : 0, result.deadCodesRestarted(), restart.toString());
            }
        }
    }

    @Test
    void aTeacherOfTheWrongWidthOrABatchOfTheWrongSizeIsRefused() {
        try (NDManager root = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(PRESET, root, 5);
             HogTeacher teacher = new HogTeacher(new HogTeacher.Config(4, 12))) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new VqkdTrainingStep(tokenizer, teacher, constantRate(1e-3), root));
            assertTrue(e.getMessage().contains("decoder_out_dim is 9"), e.getMessage());
        }
        try (NDManager root = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(PRESET, root, 5);
             HogTeacher teacher = new HogTeacher(HogTeacher.Config.forPatches(4));
             VqkdTrainingStep training = new VqkdTrainingStep(tokenizer, teacher, constantRate(1e-3), root)) {
            var e = assertThrows(IllegalArgumentException.class, () -> training.step(new byte[100], 2));
            assertTrue(e.getMessage().contains("needs 1568 bytes"), e.getMessage());
        }
    }
}
