package org.beitstream.tokenizer.training;

import org.beitstream.model.vqkd.DeadCodeRestart;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.tokenizer.TokenizerRegistry;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Everything one tokenizer training run is told, checked before any image is read; each problem is
 * reported under the name of the command-line option that sets it.
 *
 * @param source           where images come from: an ingest source spec, or {@link #STREAM} for images.raw
 * @param fashionMnistDir  IDX directory for the Fashion-MNIST sources
 * @param preset           tokenizer preset ({@link VqkdConfig#PRESETS})
 * @param teacher          the teacher whose patch features the decoder reconstructs
 * @param maxSteps         stop after this many optimizer steps; 0 for no step limit
 * @param maxTime          stop after this much training time; {@link Duration#ZERO} for no time limit
 * @param limit            read at most this many images; -1 for all (10000 for generated sources)
 * @param batchSize        images per step
 * @param learningRate     peak learning rate
 * @param seed             seed of the initialisation, the batch order and the generated sources
 * @param deadCodePatience steps a code may go unused before it is re-seeded; 0 reproduces the reference
 * @param version          name of the published tokenizer version
 * @param metricsEvery     steps per metrics.tokenizer record
 */
public record TrainingSettings(String source, Path fashionMnistDir, String preset, TeacherSpec teacher, long maxSteps,
                               Duration maxTime, long limit, int batchSize, double learningRate, long seed,
                               int deadCodePatience, String version, int metricsEvery) {
    /** The source spec that reads the images.raw topic instead of a source. */
    public static final String STREAM = "stream";
    private static final DateTimeFormatter VERSION_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    public TrainingSettings {
        if (source == null || source.isBlank()) {
            throw new SettingException("--source", "is not set; give a source spec or '" + STREAM + "'");
        }
        try {
            VqkdConfig.preset(preset);
        } catch (IllegalArgumentException e) {
            throw new SettingException("--preset", e.getMessage());
        }
        if (teacher == null) {
            throw new SettingException("--teacher", "is not set");
        }
        if (maxSteps < 0) {
            throw new SettingException("--max-steps", "must be >= 0, got " + maxSteps);
        }
        if (maxTime == null || maxTime.isNegative()) {
            throw new SettingException("--minutes", "must be >= 0, got " + maxTime);
        }
        if (maxSteps == 0 && maxTime.isZero()) {
            throw new SettingException("--max-steps / --minutes", "give at least one, or training never ends");
        }
        if (limit < -1 || limit == 0) {
            throw new SettingException("--limit", "must be a positive number of images (or -1 for all), got " + limit);
        }
        if (batchSize < 1) {
            throw new SettingException("--batch-size", "must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new SettingException("--lr", "must be a positive finite number, got " + learningRate);
        }
        if (deadCodePatience < 0) {
            throw new SettingException("--dead-code-patience", "must be >= 0, got " + deadCodePatience);
        }
        TokenizerRegistry.checkVersionName(version);
        if (metricsEvery < 1) {
            throw new SettingException("--metrics-every", "must be at least 1, got " + metricsEvery);
        }
    }

    /** The default version name: {@code tok-<UTC yyyyMMdd-HHmmss>}. */
    public static String defaultVersion(Clock clock) {
        return "tok-" + VERSION_TIME.format(clock.instant());
    }

    public boolean fromStream() {
        return STREAM.equals(source);
    }

    /** The tokenizer to train: the preset, regressing this teacher's features, with this dead-code policy. */
    public VqkdConfig tokenizerConfig(int teacherFeatureDim) {
        DeadCodeRestart.Settings restart = deadCodePatience == 0 ? DeadCodeRestart.Settings.OFF
                : new DeadCodeRestart.Settings(deadCodePatience, seed);
        return VqkdConfig.preset(preset).withDecoderOutDim(teacherFeatureDim).withDeadCodeRestart(restart);
    }
}
