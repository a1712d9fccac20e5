package org.beitstream.tokenizer.training;

import org.beitstream.model.teacher.HogTeacher;
import org.beitstream.model.teacher.ImageNormalization;
import org.beitstream.model.teacher.PatchTeacher;
import org.beitstream.model.teacher.TorchScriptTeacher;
import org.beitstream.runtime.config.SettingException;

import java.io.IOException;
import java.nio.file.Path;

/** Which teacher the tokenizer distils: {@code hog} (no weights needed) or {@code torchscript:FILE}. */
public sealed interface TeacherSpec {

    /** Opens the teacher for a tokenizer with {@code patchSize}-pixel patches. */
    PatchTeacher open(int patchSize) throws IOException;

    /** Per-patch histograms of oriented gradients ({@link HogTeacher}). */
    record Hog() implements TeacherSpec {
        @Override
        public PatchTeacher open(int patchSize) {
            return new HogTeacher(HogTeacher.Config.forPatches(patchSize));
        }
    }

    /**
     * A traced CLIP-like visual tower returning a class token then the patch tokens, fed CLIP-normalised
     * images (the paper's teacher).
     */
    record TorchScript(Path file, int featureDim) implements TeacherSpec {
        @Override
        public PatchTeacher open(int patchSize) throws IOException {
            return TorchScriptTeacher.load(new TorchScriptTeacher.Config(file, ImageNormalization.CLIP, 1, featureDim));
        }
    }

    /** Parses {@code hog} or {@code torchscript:FILE}; {@code featureDim} is the TorchScript teacher's width. */
    static TeacherSpec parse(String spec, int featureDim) {
        if ("hog".equals(spec)) {
            return new Hog();
        }
        if (spec != null && spec.startsWith("torchscript:") && spec.length() > "torchscript:".length()) {
            if (featureDim < 1) {
                throw new SettingException("--teacher-dim", "must be at least 1, got " + featureDim);
            }
            return new TorchScript(Path.of(spec.substring("torchscript:".length())), featureDim);
        }
        throw new SettingException("--teacher", "'" + spec + "' is neither 'hog' nor 'torchscript:FILE'");
    }
}
