package org.beitstream.model.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared reference vectors: the repository root's parent holds {@code shared/oracle/setA}. */
public final class OracleVectors {
    private OracleVectors() {}

    public static Path setA() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("oracle").resolve("setA");
            if (Files.isRegularFile(candidate.resolve("MANIFEST.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/oracle/setA/MANIFEST.json found in " + start
                + " or any parent directory: the reference vectors are needed for this test");
    }
}
