package org.beitstream.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./beit-stream demo} as a user runs it: stopped by a signal, it shuts everything down and still reports. */
class DemoCommandTest {

    @Test
    void aSignalDuringTokenizerTrainingEndsTheDemoCleanlyWithASummary(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("demo.out");
        Process demo = ChildProcess.start(Map.of(), log, "demo", "--minutes", "10", "--dashboard-port", "0", "--data-dir",
                dir.resolve("data").toString());
        try {
            ChildProcess.await("tokenizer training", Duration.ofSeconds(120),
                    () -> ChildProcess.output(log).contains("demo: training the VQ-KD tokenizer"), log);
            demo.destroy(); // SIGTERM: what Ctrl-C's SIGINT also triggers, the JVM's shutdown hooks
            assertTrue(demo.waitFor(90, TimeUnit.SECONDS), "the demo did not stop:\n" + ChildProcess.output(log));
        } finally {
            demo.destroyForcibly();
        }
        String output = ChildProcess.output(log);
        assertTrue(output.contains("demo: stopping"), output);
        assertTrue(output.contains("beit-stream demo: stopped after"), output);
        assertTrue(output.contains("demo: stopped; everything is shut down"), output);
        assertTrue(!output.contains("pretraining run"), "pretraining must not start after the signal:\n" + output);
    }
}
