package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our initialisation draws from the same distributions as the authors' constructor: constants are equal,
 * random tensors have the reference's spread and range (truncated normal at ±std, depth-rescaled
 * projections, PyTorch-default uniform in the aggregation blocks).
 */
class InitializationTest {
    private static final Path SET_A = OracleVectors.setA();

    @ParameterizedTest
    @ValueSource(strings = {"pt_relpos", "pt_abspos", "pt_blockrel"})
    void everyTensorFollowsTheAuthorsDistribution(String variant) throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(SET_A.resolve("MANIFEST.json")));
        BeitConfig config = BeitConfig.fromAuthorsArgs(manifest.get(variant).get("config"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> reference = Safetensors.read(SET_A.resolve(variant + ".weights_init.safetensors"),
                    manager);
            Map<String, NDArray> ours = BeitPretrainingModel.create(config, manager, 7).stateDict();
            assertEquals(reference.keySet(), ours.keySet());
            for (Map.Entry<String, NDArray> e : reference.entrySet()) {
                String name = e.getKey();
                if (e.getValue().getDataType() != DataType.FLOAT32) {
                    assertArrayEquals(e.getValue().toLongArray(), ours.get(name).toLongArray(), name);
                    continue;
                }
                double[] ref = e.getValue().toType(DataType.FLOAT64, false).toDoubleArray();
                double[] our = ours.get(name).toType(DataType.FLOAT64, false).toDoubleArray();
                if (Arrays.stream(ref).distinct().count() == 1) {
                    assertArrayEquals(ref, our, 0.0, name + " is a constant");
                    continue;
                }
                // Sampling noise of std and max shrinks with size; small vectors get a looser bound.
                double tolerance = ref.length >= 4096 ? 0.06 : 0.35;
                assertTrue(Math.abs(std(our) / std(ref) - 1) < tolerance,
                        name + ": std " + std(our) + " vs reference " + std(ref));
                assertTrue(Math.abs(maxAbs(our) / maxAbs(ref) - 1) < tolerance,
                        name + ": max |x| " + maxAbs(our) + " vs reference " + maxAbs(ref));
            }
        }
    }

    private static double std(double[] x) {
        double mean = Arrays.stream(x).average().orElseThrow();
        return Math.sqrt(Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / x.length);
    }

    private static double maxAbs(double[] x) {
        return Arrays.stream(x).map(Math::abs).max().orElseThrow();
    }
}
