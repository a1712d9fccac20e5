package org.beitstream.model.testing;

import org.beitstream.model.tokenizer.TokenizerGeometry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The TorchScript tokenizers of {@code src/test/resources/torchscript} (how each was made: make_fixtures.py there). */
public final class TorchScriptFixtures {
    /** Set A's VQ-KD tokenizer ({@code vqkd-setA}), and the size every fixture takes: 32x32 RGB, 4x4 tokens, 128 codes. */
    public static final TokenizerGeometry SET_A = new TokenizerGeometry(32, 3, 4, 128);

    private TorchScriptFixtures() {}

    public static byte[] bytes(String name) throws IOException {
        try (InputStream in = TorchScriptFixtures.class.getResourceAsStream("/torchscript/" + name + ".pt")) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource torchscript/" + name + ".pt");
            }
            return in.readAllBytes();
        }
    }

    /** The fixture as a file in {@code dir}: other modules get the resources inside a jar. */
    public static Path file(String name, Path dir) throws IOException {
        return Files.write(dir.resolve(name + ".pt"), bytes(name));
    }
}
