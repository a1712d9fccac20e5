package org.beitstream.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What can be checked without a traced model file (none may be downloaded here). */
class TorchScriptTeacherTest {

    @Test
    void missingModelFileIsReportedWithItsPath(@TempDir Path dir) {
        Path missing = dir.resolve("clip_visual.pt");
        var config = new TorchScriptTeacher.Config(missing, ImageNormalization.CLIP, 1, 512);
        IOException e = assertThrows(IOException.class, () -> TorchScriptTeacher.load(config));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aFileThatIsNotTorchScriptIsRejected(@TempDir Path dir) throws IOException {
        Path garbage = Files.writeString(dir.resolve("teacher.pt"), "not a model");
        var config = new TorchScriptTeacher.Config(garbage, ImageNormalization.CLIP, 1, 512);
        IOException e = assertThrows(IOException.class, () -> TorchScriptTeacher.load(config).close());
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
    }

    @Test
    void clipNormalisationMapsTheChannelMeanToZeroAndClamps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] data = {0.48145466f, 2f, 0.40821073f + 0.27577711f};
            NDArray images = manager.create(data, new Shape(1, 3, 1, 1));
            float[] out = ImageNormalization.CLIP.apply(images).toFloatArray();
            float clampedGreen = (float) ((1 - 0.4578275) / 0.26130258);
            assertArrayEquals(new float[] {0, clampedGreen, 1}, out, 1e-5f);
        }
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class,
                () -> new TorchScriptTeacher.Config(Path.of("t.pt"), ImageNormalization.CLIP, -1, 512));
        assertThrows(IllegalArgumentException.class,
                () -> new ImageNormalization(new double[] {0.5}, new double[] {0}));
    }
}
