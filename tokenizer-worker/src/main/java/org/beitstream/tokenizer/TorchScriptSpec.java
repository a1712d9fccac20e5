package org.beitstream.tokenizer;

import org.beitstream.runtime.config.SettingException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A user's TorchScript tokenizer to publish, with what the user says it takes and gives; the token grid is
 * found by running it (see {@link TokenizerRegistry#publishTorchScript}).
 *
 * @param module    the TorchScript file
 * @param imageSize side of the square images it takes
 * @param channels  1 (grey) or 3 (RGB): what the worker's image preparation produces
 * @param vocabSize every id it returns is below this
 */
public record TorchScriptSpec(Path module, int imageSize, int channels, int vocabSize) {
    public TorchScriptSpec {
        if (module == null || !Files.isRegularFile(module)) {
            throw new SettingException("--torchscript", (module == null ? "no file given" : module + " is not a file"));
        }
        if (imageSize < 1) {
            throw new SettingException("--image-size", "must be at least 1, got " + imageSize);
        }
        if (channels != 1 && channels != 3) {
            throw new SettingException("--channels", "must be 1 or 3, got " + channels);
        }
        if (vocabSize < 1) {
            throw new SettingException("--vocab", "must be at least 1, got " + vocabSize);
        }
    }
}
