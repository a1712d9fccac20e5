package org.beitstream.model.vqkd;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.teacher.HogTeacher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VqkdTokenizerTest {
    /** 16 px images, 8 px patches (2x2 grid), 32 codes of 8 dims, HOG targets of 9 bins. */
    private static final VqkdConfig TINY = tiny(VqkdConfig.ProcessType.DEFAULT);

    private static VqkdConfig tiny(VqkdConfig.ProcessType processType) {
        ViTConfig encoder = new ViTConfig(16, 8, 3, 16, 1, 2, 4.0, true, 0f, 1e-6f);
        return new VqkdConfig(encoder, encoder.asDecoder(2, 8, 1), 32, 8, 0.99, processType, false, 9,
                DeadCodeRestart.Settings.OFF);
    }

    @Test
    void presetParameterCountsMatchTheAuthorsConstructors() {
        assertEquals(109_361_696L, VqkdTokenizer.parameterCount(VqkdConfig.base3x768x12Clip()));
        assertEquals(95_187_488L, VqkdTokenizer.parameterCount(VqkdConfig.base1x768x12Clip()));
        assertEquals(95_384_352L, VqkdTokenizer.parameterCount(VqkdConfig.base1x768x12Dino()));
    }

    @Test
    void preProcessScaleDependsOnTheData() {
        try (NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(TINY, manager, 1)) {
            NDArray unit = manager.create(new float[] {0f, 0.5f, 1f});
            assertArrayEquals(new float[] {-1f, 0f, 1f}, tokenizer.preProcess(unit).toFloatArray(), 1e-6f);
            // One value above 1 and the whole batch is read as [0, 255].
            NDArray bytes = manager.create(new float[] {0f, 1f, 255f});
            assertArrayEquals(new float[] {-1f, 1 / 127.5f - 1, 1f}, tokenizer.preProcess(bytes).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void trainingStepsWithAHogTeacherMoveTheCodebookAndLeakNothing() {
        try (BaseNDManager root = (BaseNDManager) NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(TINY, root, 2);
             HogTeacher teacher = new HogTeacher(new HogTeacher.Config(8, 9))) {
            int before = root.getManagedArrays().size();
            // The count covers the sub-managers holding the weights and the quantizer state.
            assertTrue(before >= tokenizer.stateDict().size(), "counted " + before);
            float[] codebookBefore = tokenizer.quantizer().codebook().toFloatArray();
            for (int step = 0; step < 3; step++) {
                try (NDManager stepManager = root.newSubManager()) {
                    NDArray images = stepManager.randomUniform(0, 1, new Shape(4, 3, 16, 16));
                    VqkdOutput out = tokenizer.forward(images, teacher, true);
                    assertEquals(new Shape(16), out.quantization().tokens().getShape());
                    assertEquals(new Shape(4, 8, 2, 2), out.quantizeNchw().getShape());
                    float loss = out.totalLoss().getFloat();
                    assertTrue(loss > 0 && loss < 3, "loss " + loss);
                }
            }
            assertEquals(before, root.getManagedArrays().size(), "arrays left behind on the model's managers");
            assertFalse(java.util.Arrays.equals(codebookBefore, tokenizer.quantizer().codebook().toFloatArray()));
        }
    }

    @Test
    void flatPatchesWithoutHogFeaturesGiveAFiniteLossAndGradient() {
        try (NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(TINY, manager, 4)) {
            // Black images, as Fashion-MNIST's background: every HOG histogram is zero.
            NDArray images = manager.zeros(new Shape(2, 3, 16, 16));
            NDArray target = new HogTeacher(new HogTeacher.Config(8, 9)).patchFeatures(images);
            assertEquals(0f, target.abs().sum().getFloat());
            var parameters = tokenizer.trainableParameters();
            parameters.values().forEach(p -> p.setRequiresGradient(true));
            try (var collector = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                VqkdOutput out = tokenizer.forward(images, target, false);
                // cos(r, 0) is taken as 0: each patch contributes exactly 1.
                assertEquals(1f, out.reconstructionLoss().getFloat(), 1e-6f);
                collector.backward(out.totalLoss());
            }
            for (var entry : parameters.entrySet()) {
                assertTrue(Float.isFinite(entry.getValue().getGradient().abs().sum().getFloat()), entry.getKey());
            }
        }
    }

    @Test
    void exportedWeightsReloadToTheSameTokens(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer original = VqkdTokenizer.create(TINY, manager, 3)) {
            Path file = dir.resolve("vqkd.safetensors");
            Safetensors.write(file, original.stateDict(), Map.of());
            NDArray images = manager.randomUniform(0, 1, new Shape(2, 3, 16, 16));
            try (VqkdTokenizer reloaded = VqkdTokenizer.fromStateDict(TINY, Safetensors.read(file, manager), manager)) {
                assertArrayEquals(original.tokens(images).toLongArray(), reloaded.tokens(images).toLongArray());
                assertEquals(new Shape(2, 4), reloaded.tokens(images).getShape());
            }
        }
    }

    @Test
    void exportHasEveryKeyOfTheAuthorsStateDict() throws Exception {
        Path setA = org.beitstream.model.testing.OracleVectors.setA();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> authors = Safetensors.read(setA.resolve("vqkd.weights.safetensors"), manager);
            VqkdConfig config = org.beitstream.model.conformance.VqkdConformance.config(
                    org.beitstream.model.conformance.Manifest.read(setA).get("vqkd"));
            try (VqkdTokenizer tokenizer = VqkdTokenizer.fromStateDict(config, authors, manager)) {
                Map<String, NDArray> exported = tokenizer.stateDict();
                assertEquals(authors.keySet(), exported.keySet());
                for (String key : authors.keySet()) {
                    assertArrayEquals(authors.get(key).toFloatArray(), exported.get(key).toFloatArray(), 0f, key);
                }
            }
        }
    }

    @Test
    void inconsistentSettingsAreNamed() {
        ViTConfig encoder = new ViTConfig(16, 8, 3, 16, 1, 2, 4.0, true, 0f, 1e-6f);
        var e = assertThrows(IllegalArgumentException.class, () -> new VqkdConfig(encoder, encoder.asDecoder(2, 4, 1),
                32, 8, 0.99, VqkdConfig.ProcessType.DEFAULT, false, 9, DeadCodeRestart.Settings.OFF));
        assertTrue(e.getMessage().contains("in_chans"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new VqkdConfig(encoder, encoder.asDecoder(3, 8, 1),
                32, 8, 0.99, VqkdConfig.ProcessType.DEFAULT, false, 9, DeadCodeRestart.Settings.OFF));
        assertTrue(e.getMessage().contains("token grid"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ViTConfig(20, 8, 3, 16, 1, 2, 4.0, true, 0f, 1e-6f));
        assertTrue(e.getMessage().contains("img_size"), e.getMessage());
    }
}
