package org.beitstream.tokenizer.training;

import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.vqkd.DeadCodeRestart;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TrainingSettingsTest {
    private static TrainingSettings with(long maxSteps, Duration maxTime, long limit, int batchSize, double lr,
                                         int patience, String version) {
        return new TrainingSettings("fashion-mnist", Path.of("/data"), "fmnist-tiny", new TeacherSpec.Hog(), maxSteps,
                maxTime, limit, batchSize, lr, 0, patience, version, 50);
    }

    private static String settingOf(Runnable construction) {
        return assertThrows(SettingException.class, construction::run).setting();
    }

    @Test
    void eachBadValueIsReportedUnderItsOption() {
        assertEquals("--batch-size", settingOf(() -> with(10, Duration.ZERO, -1, 0, 1e-3, 0, "v1")));
        assertEquals("--lr", settingOf(() -> with(10, Duration.ZERO, -1, 8, Double.NaN, 0, "v1")));
        assertEquals("--limit", settingOf(() -> with(10, Duration.ZERO, 0, 8, 1e-3, 0, "v1")));
        assertEquals("--max-steps / --minutes", settingOf(() -> with(0, Duration.ZERO, -1, 8, 1e-3, 0, "v1")));
        assertEquals("--dead-code-patience", settingOf(() -> with(10, Duration.ZERO, -1, 8, 1e-3, -1, "v1")));
        assertEquals("--version", settingOf(() -> with(10, Duration.ZERO, -1, 8, 1e-3, 0, "../escape")));
        assertEquals("--preset", settingOf(() -> new TrainingSettings("synthetic", Path.of("/data"), "base",
                new TeacherSpec.Hog(), 1, Duration.ZERO, -1, 8, 1e-3, 0, 0, "v1", 50)));
        assertEquals("--teacher", settingOf(() -> TeacherSpec.parse("clip", 512)));
    }

    @Test
    void theDefaultVersionIsTheUtcTime() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T01:02:03Z"), ZoneOffset.ofHours(5));
        assertEquals("tok-20261124-010203", TrainingSettings.defaultVersion(clock));
    }

    @Test
    void restartsFollowThePatienceAndTheDecoderTheTeacher() {
        var config = with(10, Duration.ZERO, -1, 8, 1e-3, 25, "v1").tokenizerConfig(512);
        assertEquals(new DeadCodeRestart.Settings(25, 0), config.deadCodeRestart());
        assertEquals(512, config.decoderOutDim());
        assertEquals(DeadCodeRestart.Settings.OFF,
                with(10, Duration.ZERO, -1, 8, 1e-3, 0, "v1").tokenizerConfig(9).deadCodeRestart());
    }

    @Test
    void aStepBudgetGetsTheAuthorsCosineAndATimeBudgetAConstantRate() {
        var bySteps = TokenizerTrainer.schedule(with(1000, Duration.ZERO, -1, 8, 1e-3, 0, "v1"));
        assertInstanceOf(LearningRateSchedule.WarmupCosine.class, bySteps);
        assertEquals(1e-3, bySteps.at(49), 1e-12);
        assertEquals(1e-4, bySteps.at(1000), 1e-12);
        var byTime = TokenizerTrainer.schedule(with(0, Duration.ofMinutes(3), -1, 8, 1e-3, 0, "v1"));
        assertEquals(1e-3, byTime.at(100_000), 1e-12);
    }
}
