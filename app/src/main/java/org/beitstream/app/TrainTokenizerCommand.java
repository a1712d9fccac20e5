package org.beitstream.app;

import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.ImageSources;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.tokenizer.training.TeacherSpec;
import org.beitstream.tokenizer.training.TokenizerTrainer;
import org.beitstream.tokenizer.training.TrainingMetrics;
import org.beitstream.tokenizer.training.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Trains a VQ-KD tokenizer and publishes it as a new immutable version. */
// No standard help mixin: its -V/--version would clash with this command's --version (the tokenizer's name).
@Command(name = "train-tokenizer",
        description = {"Train the VQ-KD visual tokenizer, publish it under tokenizers/<version>/ in the object store "
                + "and announce it on the tokenizers topic.",
                "Progress goes to metrics.tokenizer (JSON) every --metrics-every steps.",
                "Sources: " + ImageSources.SPECS + ", or 'stream' to read images.raw from the beginning."})
final class TrainTokenizerCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--source", required = true, paramLabel = "SPEC|stream",
            description = "Where the training images come from.")
    String source;

    @Option(names = "--path", description = "Fashion-MNIST IDX directory (default: ${DEFAULT-VALUE}).")
    Path fashionMnistDir = FashionMnist.DEBIAN_PATH;

    @Option(names = "--preset", defaultValue = "fmnist-tiny", description = "Tokenizer preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--teacher", defaultValue = "hog", paramLabel = "hog|torchscript:FILE",
            description = "Whose patch features the decoder reconstructs (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--teacher-dim", defaultValue = "512",
            description = "Feature width of a TorchScript teacher (default: ${DEFAULT-VALUE}, CLIP ViT-B/16).")
    int teacherDim;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after N steps (0: no step limit).")
    long maxSteps;

    @Option(names = "--minutes", defaultValue = "0", description = "Stop after this many minutes of training (0: no limit).")
    double minutes;

    @Option(names = "--limit", defaultValue = "-1", description = "Train on at most N images (default: all; 10000 for generated sources).")
    long limit;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of initialisation, batch order and generated sources.")
    long seed;

    @Option(names = "--dead-code-restart", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Re-seed codes unused for --dead-code-patience steps (default: on; off reproduces the reference).")
    boolean deadCodeRestart;

    @Option(names = "--dead-code-patience", defaultValue = "20",
            description = "Steps without use after which a code is re-seeded (default: ${DEFAULT-VALUE}).")
    int deadCodePatience;

    @Option(names = "--version", description = "Version name (default: tok-<UTC yyyyMMdd-HHmmss>).")
    String version;

    @Option(names = "--metrics-every", defaultValue = "50", description = "Steps per metrics.tokenizer record (default: ${DEFAULT-VALUE}).")
    int metricsEvery;

    @Override
    public Integer call() throws Exception {
        if (!(minutes >= 0) || Double.isInfinite(minutes)) {
            throw new SettingException("--minutes", "must be a finite number >= 0, got " + minutes);
        }
        if (deadCodeRestart && deadCodePatience < 1) {
            throw new SettingException("--dead-code-patience", "must be at least 1 with --dead-code-restart, got "
                    + deadCodePatience);
        }
        Clock clock = Clock.systemUTC();
        TrainingSettings settings = new TrainingSettings(source, fashionMnistDir, preset,
                TeacherSpec.parse(teacher, teacherDim), maxSteps, Duration.ofMillis(Math.round(minutes * 60_000)),
                limit, batchSize, lr, seed, deadCodeRestart ? deadCodePatience : 0,
                version != null ? version : TrainingSettings.defaultVersion(clock), metricsEvery);
        try (ObjectStore store = new ObjectStore(connection.s3())) {
            TokenizerTrainer.Outcome outcome = new TokenizerTrainer(connection.kafka(), store, clock).train(settings);
            TrainingMetrics first = outcome.first();
            TrainingMetrics last = outcome.last();
            System.out.printf(Locale.ROOT, "train-tokenizer: %s published (%s), %d steps on %d images (%d skipped)%n",
                    outcome.announcement().getVersion(), outcome.announcement().getObjectUri(), last.step(),
                    outcome.images(), outcome.skipped());
            System.out.printf(Locale.ROOT, "  loss %.4f -> %.4f; codes used in the last metrics window: %d/%d (%.1f%%), "
                            + "entropy %.2f bits of %.0f%n", first.loss(), last.loss(), last.codesUsed(), last.codebookSize(),
                    100 * last.codebookUsage(), last.codeEntropyBits(), Math.log(last.codebookSize()) / Math.log(2));
        }
        return 0;
    }
}
