package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One family of conformance checks over a reference-vector directory (the format of
 * {@code shared/oracle/setA}: MANIFEST.json plus safetensors/JSON files).
 */
public interface ConformanceGroup {

    /** Whether the directory holds vectors for this group (a directory may hold only some models). */
    boolean appliesTo(Path vectorsDir);

    /** Runs every check of this group; the arrays it creates belong to {@code manager}. */
    List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException;
}
