package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import org.beitstream.model.beit.PretrainingConformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs every conformance group that applies to a reference-vector directory. */
public final class ConformanceSuite {

    /** Every group the project knows; each decides from the directory's MANIFEST whether it applies. */
    private static List<ConformanceGroup> groups() {
        return List.of(new PretrainingConformance(), new MasksConformance(), new KMeansConformance(),
                new VqkdEmaConformance(), new VqkdConformance());
    }

    private ConformanceSuite() {}

    public static List<CheckResult> run(Path vectorsDir) throws IOException {
        if (!Files.isRegularFile(vectorsDir.resolve("MANIFEST.json"))) {
            throw new IOException(vectorsDir + " has no MANIFEST.json: not a reference-vector directory");
        }
        List<CheckResult> results = new ArrayList<>();
        for (ConformanceGroup group : groups()) {
            if (group.appliesTo(vectorsDir)) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    results.addAll(group.run(vectorsDir, manager));
                }
            }
        }
        return results;
    }
}
