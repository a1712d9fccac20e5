package org.beitstream.app;

import org.beitstream.model.tokenizer.TokenizerGeometry;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.beitstream.tokenizer.TorchScriptSpec;
import org.beitstream.tokenizer.VersionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Publishes a user's TorchScript tokenizer as a new immutable version, which workers then load like our own. */
// No standard help mixin: its -V/--version would clash with this command's --version (the tokenizer's name).
@Command(name = "publish-tokenizer",
        description = {"Publish a TorchScript tokenizer under tokenizers/<version>/ in the object store and announce it "
                + "on the tokenizers topic, for example the authors' BEiT v2 VQ-KD exported by "
                + "tools/export_vqkd_torchscript.py.",
                "The module takes float32 images [B, C, S, S] in [0, 1] and returns integer token ids [B, N] or "
                + "[B, h, w] below --vocab (docs/TOKENIZER.md). It is run once on zeros first, which gives the token "
                + "grid and refuses a module that breaks this contract before anything is published."})
final class PublishTokenizerCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--torchscript", required = true, paramLabel = "FILE", description = "The TorchScript module (.pt).")
    Path module;

    @Option(names = "--version", required = true, description = "Version name (letters, digits, '.', '-', '_').")
    String version;

    @Option(names = "--image-size", required = true, paramLabel = "S", description = "Side of the square images it takes.")
    int imageSize;

    @Option(names = "--channels", defaultValue = "3", paramLabel = "C",
            description = "Channels of the images it takes: 1 or 3 (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--vocab", required = true, paramLabel = "K", description = "Vocabulary size: every id is below it.")
    int vocab;

    @Override
    public Integer call() throws Exception {
        TokenizerRegistry.checkVersionName(version);
        TorchScriptSpec spec = new TorchScriptSpec(module, imageSize, channels, vocab);
        KafkaSettings kafka = connection.kafka();
        try (ObjectStore store = new ObjectStore(connection.s3())) {
            TokenizerAnnouncement announcement = new TokenizerRegistry(store).publishTorchScript(version, spec);
            TokenizerRegistry.announce(kafka, announcement);
            TokenizerGeometry geometry = ((VersionConfig.TorchScript) TokenizerRegistry.config(announcement)).geometry();
            System.out.printf(Locale.ROOT, "publish-tokenizer: %s published (%s): %dx%dx%d images -> %dx%d tokens "
                            + "of %d codes%n", version, announcement.getObjectUri(), geometry.imageSize(),
                    geometry.imageSize(), geometry.channels(), geometry.gridSize(), geometry.gridSize(),
                    geometry.vocabSize());
        }
        return 0;
    }
}
