package org.beitstream.model.conformance;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Finds the shared reference vectors: the first ancestor of the working directory with {@code shared/oracle/setA}. */
public final class OracleVectors {
    private OracleVectors() {}

    public static Path setA() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/oracle/setA");
            if (Files.isRegularFile(candidate.resolve("MANIFEST.json"))) {
                return candidate;
            }
        }
        return fail("no shared/oracle/setA (with MANIFEST.json) next to any ancestor of " + start);
    }
}
