package org.beitstream.model.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The MANIFEST.json of a reference-vector directory: seeds, model configs and which files exist. */
public final class Manifest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifest() {}

    public static JsonNode read(Path vectorsDir) throws IOException {
        return JSON.readTree(vectorsDir.resolve("MANIFEST.json").toFile());
    }

    public static JsonNode readJson(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Whether the manifest has {@code section} and every named file is present (groups use it in appliesTo). */
    public static boolean has(Path vectorsDir, String section, String... files) {
        try {
            if (!Files.isRegularFile(vectorsDir.resolve("MANIFEST.json")) || !read(vectorsDir).has(section)) {
                return false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String file : files) {
            if (!Files.isRegularFile(vectorsDir.resolve(file))) {
                return false;
            }
        }
        return true;
    }
}
