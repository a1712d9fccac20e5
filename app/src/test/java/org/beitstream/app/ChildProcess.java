package org.beitstream.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** A {@code beit-stream} command in a JVM of its own, as a user or an orchestrator would start it. */
final class ChildProcess {
    private ChildProcess() {}

    static Process start(Map<String, String> env, Path log, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Dai.djl.offline=true", "-cp", classpath, BeitStream.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    static String output(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Waits for {@code condition}, failing with the child's output after {@code timeout}. */
    static void await(String what, Duration timeout, Supplier<Boolean> condition, Path log) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Object monitor = new Object();
        while (!condition.get()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what + "; the process said:\n" + output(log));
            }
            synchronized (monitor) {
                monitor.wait(250);
            }
        }
    }
}
