package org.beitstream.tokenizer;

import org.beitstream.model.vqkd.DeadCodeRestart;
import org.beitstream.model.vqkd.ViTConfig;
import org.beitstream.model.vqkd.VqkdConfig;

/** Tokenizer configurations small enough for tests. */
public final class TestTokenizers {
    private TestTokenizers() {}

    /** 28x28 grey input, 7x7 tokens, 64 codes: fast to create and to run. */
    public static VqkdConfig tiny() {
        ViTConfig encoder = new ViTConfig(28, 4, 1, 32, 1, 2, 4.0, true, 0f, 1e-6f);
        return new VqkdConfig(encoder, encoder.asDecoder(encoder.gridSize(), 8, 1), 64, 8, 0.99,
                VqkdConfig.ProcessType.DEFAULT, false, 36, DeadCodeRestart.Settings.OFF);
    }
}
