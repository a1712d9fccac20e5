package org.beitstream.model.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.vqkd.CosineKMeans;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Codebook k-means initialisation, started from the reference's recorded initial rows. */
public final class KMeansConformance implements ConformanceGroup {
    private static final String GROUP = "kmeans";

    @Override
    public boolean appliesTo(Path vectorsDir) {
        return Manifest.has(vectorsDir, "kmeans", "kmeans.safetensors");
    }

    @Override
    public List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException {
        int iterations = Manifest.read(vectorsDir).get("kmeans").get("num_iters").asInt();
        Map<String, NDArray> ref = Safetensors.read(vectorsDir.resolve("kmeans.safetensors"), manager);
        CosineKMeans.Result result = CosineKMeans.fit(ref.get("samples"), ref.get("init_indices"), iterations);
        return List.of(
                TensorComparison.close(GROUP, "means", ref.get("means"), result.means(), Tolerance.OUTPUT),
                TensorComparison.equal(GROUP, "bins", ref.get("bins"), result.bins()));
    }
}
