package org.beitstream.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code beit-stream infra} as a user runs it: a separate JVM that prints its settings and READY, serves
 * third-party clients (kcat, the AWS CLI), and stops cleanly on SIGTERM.
 */
class InfraCommandTest {
    @TempDir
    Path dir;
    Process infra;
    final Map<String, String> settings = new HashMap<>();
    Path stderr;

    @BeforeEach
    void startInfra() throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        stderr = dir.resolve("infra.err");
        infra = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, BeitStream.class.getName(), "infra", "--data-dir", dir.resolve("data").toString())
                .redirectError(stderr.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(infra.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null && !line.equals("READY"); line = out.readLine()) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                settings.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertTrue(infra.isAlive(), () -> "infra exited before READY: " + read(stderr));
    }

    @AfterEach
    void stopInfra() {
        infra.destroyForcibly();
    }

    @Test
    void printsEverySettingAndStopsCleanlyOnSigterm() throws Exception {
        assertEquals(List.of("KAFKA_BOOTSTRAP", "S3_ACCESS_KEY", "S3_BUCKET", "S3_ENDPOINT", "S3_SECRET_KEY"),
                settings.keySet().stream().sorted().toList());
        assertTrue(settings.get("KAFKA_BOOTSTRAP").matches("127\\.0\\.0\\.1:\\d+"));
        assertTrue(settings.get("S3_ENDPOINT").matches("http://127\\.0\\.0\\.1:\\d+"));

        infra.destroy(); // SIGTERM
        assertTrue(infra.waitFor(60, TimeUnit.SECONDS), "infra did not stop within 60 s of SIGTERM");
        assertTrue(read(stderr).contains("infra: stopped"), read(stderr));
    }

    @Test
    void kcatProducesAndConsumes() throws Exception {
        assumeTrue(onPath("kcat"), "kcat is not installed (apt-get install kcat)");
        String broker = settings.get("KAFKA_BOOTSTRAP");
        run(List.of("kcat", "-P", "-b", broker, "-t", "images.dlq", "-k", "from-kcat"), "hello from kcat\n");
        String consumed = run(List.of("kcat", "-C", "-b", broker, "-t", "images.dlq", "-o", "beginning", "-e",
                "-q", "-f", "%k:%s\\n"), "");
        assertTrue(consumed.contains("from-kcat:hello from kcat"), consumed);
    }

    @Test
    void theAwsCliCopiesAndListsObjects() throws Exception {
        assumeTrue(onPath("aws"), "the AWS CLI is not installed (apt-get install awscli)");
        Path file = Files.writeString(dir.resolve("note.txt"), "stored through S3");
        String bucket = "s3://" + settings.get("S3_BUCKET");
        aws("s3", "cp", file.toString(), bucket + "/notes/note.txt");
        assertTrue(aws("s3", "ls", bucket + "/notes/").contains("note.txt"));
        assertEquals("stored through S3", aws("s3", "cp", bucket + "/notes/note.txt", "-"));
    }

    private String aws(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", settings.get("S3_ENDPOINT")));
        command.addAll(List.of(args));
        return run(command, "");
    }

    private String run(List<String> command, String input) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", settings.get("S3_ACCESS_KEY"),
                "AWS_SECRET_ACCESS_KEY", settings.get("S3_SECRET_KEY"), "AWS_DEFAULT_REGION", "us-east-1",
                "AWS_EC2_METADATA_DISABLED", "true"));
        Process process = builder.start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " hung");
        assertEquals(0, process.exitValue(), command + " failed: " + output);
        return output;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
