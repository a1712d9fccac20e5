package org.beitstream.app;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = BeitStream.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : new String[] {"infra", "setup", "conformance", "train-tokenizer", "dashboard"}) {
            Run help = run(command, "--help");
            assertEquals(0, help.exitCode(), command);
            assertTrue(help.out().contains("Usage: beit-stream " + command), help.out());
        }
    }

    @Test
    void aBadSettingFailsFastNamingTheSetting() {
        Run bad = run("setup", "--kafka-bootstrap", "localhost", "--s3-endpoint", "http://127.0.0.1:9000",
                "--s3-access-key", "a", "--s3-secret-key", "b");
        assertEquals(CommandLine.ExitCode.USAGE, bad.exitCode());
        assertTrue(bad.err().contains("KAFKA_BOOTSTRAP (--kafka-bootstrap): 'localhost' is not host:port"), bad.err());

        Run badBucket = run("setup", "--kafka-bootstrap", "127.0.0.1:9092", "--s3-endpoint", "http://127.0.0.1:9000",
                "--s3-access-key", "a", "--s3-secret-key", "b", "--s3-bucket", "Not_A_Bucket");
        assertTrue(badBucket.err().contains("S3_BUCKET (--s3-bucket)"), badBucket.err());
    }

    @Test
    void dashboardNamesABadPortBeforeConnecting() {
        Run bad = run("dashboard", "--kafka-bootstrap", "127.0.0.1:1", "--port", "70000");
        assertEquals(CommandLine.ExitCode.USAGE, bad.exitCode());
        assertTrue(bad.err().contains("--port: must be in 0..65535 (0: any free port), got 70000"), bad.err());
    }

    @Test
    void tokenizerWorkerNamesBadAugmentationSettingsBeforeConnecting() {
        Run badScale = run("tokenizer-worker", "--kafka-bootstrap", "127.0.0.1:1", "--views", "2", "--crop-scale", "0.5");
        assertEquals(CommandLine.ExitCode.USAGE, badScale.exitCode());
        assertTrue(badScale.err().contains("--crop-scale: must be MIN:MAX, two numbers, got '0.5'"), badScale.err());
        Run badViews = run("tokenizer-worker", "--kafka-bootstrap", "127.0.0.1:1", "--views", "99");
        assertEquals(CommandLine.ExitCode.USAGE, badViews.exitCode());
        assertTrue(badViews.err().contains("--views: must be in 0..16"), badViews.err());
    }

    @Test
    void trainTokenizerNamesTheBadSettingBeforeConnecting() {
        String[] connection = {"--kafka-bootstrap", "127.0.0.1:1", "--s3-endpoint", "http://127.0.0.1:1",
                "--s3-access-key", "a", "--s3-secret-key", "b"};
        Run badBatch = run(concat(new String[] {"train-tokenizer", "--source", "synthetic", "--max-steps", "5",
                "--batch-size", "0"}, connection));
        assertEquals(CommandLine.ExitCode.USAGE, badBatch.exitCode());
        assertTrue(badBatch.err().contains("--batch-size: must be at least 1, got 0"), badBatch.err());

        Run endless = run(concat(new String[] {"train-tokenizer", "--source", "synthetic"}, connection));
        assertEquals(CommandLine.ExitCode.USAGE, endless.exitCode());
        assertTrue(endless.err().contains("--max-steps / --minutes"), endless.err());

        Run badTeacher = run(concat(new String[] {"train-tokenizer", "--source", "stream", "--minutes", "1",
                "--teacher", "clip"}, connection));
        assertTrue(badTeacher.err().contains("--teacher: 'clip' is neither"), badTeacher.err());
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void conformanceRejectsADirectoryWithoutManifest() {
        Run run = run("conformance", "--vectors", "/nonexistent-vectors");
        assertTrue(run.exitCode() != 0);
        assertTrue(run.err().contains("MANIFEST.json"), run.err());
    }
}
