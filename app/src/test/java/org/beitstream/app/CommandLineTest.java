package org.beitstream.app;

import org.beitstream.model.testing.TorchScriptFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

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
        for (String command : new String[] {"infra", "setup", "conformance", "train-tokenizer", "publish-tokenizer",
                "dashboard"}) {
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

    @Test
    void trainerNamesBadDevicesBeforeConnecting() {
        String[] connection = {"trainer", "--run-id", "r", "--kafka-bootstrap", "127.0.0.1:1",
                "--s3-endpoint", "http://127.0.0.1:1", "--s3-access-key", "a", "--s3-secret-key", "b"};
        Run badValue = run(concat(connection, new String[] {"--devices", "all"}));
        assertEquals(CommandLine.ExitCode.USAGE, badValue.exitCode());
        assertTrue(badValue.err().contains("--devices: must be auto, cpu or a number of GPUs, got 'all'"),
                badValue.err());
        // This machine has no GPU (a GPU machine would have to ask for more than it has).
        Run tooMany = run(concat(connection, new String[] {"--devices", "64"}));
        assertEquals(CommandLine.ExitCode.USAGE, tooMany.exitCode());
        assertTrue(tooMany.err().contains("--devices: asks for 64 GPUs, but the engine reports"), tooMany.err());
    }

    @Test
    void publishTokenizerNamesAMissingFileOrABadFlagBeforeConnecting(@TempDir Path dir) throws Exception {
        String module = TorchScriptFixtures.file("vqkd-setA", dir).toString();
        String[] connection = {"--kafka-bootstrap", "127.0.0.1:1", "--s3-endpoint", "http://127.0.0.1:1",
                "--s3-access-key", "a", "--s3-secret-key", "b"};
        Map<String, String[]> bad = Map.of(
                "--torchscript: /nonexistent/tokenizer.pt is not a file", new String[] {"--torchscript",
                        "/nonexistent/tokenizer.pt", "--version", "v1", "--image-size", "32", "--vocab", "128"},
                "--channels: must be 1 or 3, got 4", new String[] {"--torchscript", module, "--version", "v1",
                        "--image-size", "32", "--channels", "4", "--vocab", "128"},
                "--vocab: must be at least 1, got 0", new String[] {"--torchscript", module, "--version", "v1",
                        "--image-size", "32", "--vocab", "0"},
                "--version: 'v 1' is not a version name", new String[] {"--torchscript", module, "--version", "v 1",
                        "--image-size", "32", "--vocab", "128"},
                "Missing required option: '--image-size=S'", new String[] {"--torchscript", module, "--version", "v1",
                        "--vocab", "128"});
        for (var entry : bad.entrySet()) {
            Run run = run(concat(concat(new String[] {"publish-tokenizer"}, entry.getValue()), connection));
            assertEquals(CommandLine.ExitCode.USAGE, run.exitCode(), run.err());
            assertTrue(run.err().contains(entry.getKey()), run.err());
        }
    }

    @Test
    void publishTokenizerRefusesABrokenModuleNamingItBeforeUploading(@TempDir Path dir) throws Exception {
        String module = TorchScriptFixtures.file("float-ids", dir).toString();
        // The object store at port 1 is never reached: the probe comes first.
        Run run = run("publish-tokenizer", "--torchscript", module, "--version", "v1", "--image-size", "32",
                "--vocab", "128", "--kafka-bootstrap", "127.0.0.1:1", "--s3-endpoint", "http://127.0.0.1:1",
                "--s3-access-key", "a", "--s3-secret-key", "b");
        assertEquals(CommandLine.ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("error: tokenizer " + module + " returned float32 ids; the contract is an integer "
                + "type"), run.err());
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
