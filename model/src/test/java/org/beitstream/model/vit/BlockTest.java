package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.beitstream.model.conformance.CheckResult;
import org.beitstream.model.conformance.TensorComparison;
import org.beitstream.model.conformance.Tolerance;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each building block reproduces one traced layer of the authors' model (set A: D 64, 4 heads, 4×4 grid). */
class BlockTest {
    private static final Path SET_A = OracleVectors.setA();

    @Test
    void blockWithItsOwnRelativePositionBiasMatchesTheTrace() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = Safetensors.read(SET_A.resolve("pt_blockrel.weights.safetensors"), manager);
            Map<String, NDArray> io = Safetensors.read(SET_A.resolve("pt_blockrel.io.safetensors"), manager);
            Block block = new Block(Module.Allocation.on(manager, DataType.FLOAT32), 64, 4, 4.0, true, 0.1f,
                    LayerNorm.DEFAULT_EPS, new int[] {4, 4});
            block.load(weights, "blocks.1.");
            NDArray out = block.forward(io.get("trace.blocks.0"), null);
            CheckResult r = TensorComparison.close("vit", "blocks.1", io.get("trace.blocks.1"), out, Tolerance.OUTPUT);
            assertTrue(r.passed(), r.toString());
        }
    }

    @Test
    void blockWithTheSharedBiasMatchesTheTrace() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = Safetensors.read(SET_A.resolve("pt_relpos.weights.safetensors"), manager);
            Map<String, NDArray> io = Safetensors.read(SET_A.resolve("pt_relpos.io.safetensors"), manager);
            Module.Allocation allocation = Module.Allocation.on(manager, DataType.FLOAT32);
            RelativePositionBias shared = new RelativePositionBias(allocation, 4, 4, 4);
            shared.load(weights, "rel_pos_bias.");
            NDArray bias = shared.forward(manager);
            CheckResult b = TensorComparison.close("vit", "rel_pos_bias", io.get("trace.rel_pos_bias"), bias, 0);
            assertTrue(b.passed(), b.toString());

            Block block = new Block(allocation, 64, 4, 4.0, true, 0.1f, LayerNorm.DEFAULT_EPS, null);
            block.load(weights, "blocks.0.");
            NDArray out = block.forward(io.get("trace.blocks.0.input"), bias);
            CheckResult r = TensorComparison.close("vit", "blocks.0", io.get("trace.blocks.0"), out, Tolerance.OUTPUT);
            assertTrue(r.passed(), r.toString());
        }
    }

    @Test
    void relativePositionIndexFollowsTheAuthorsLayout() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = Safetensors.read(SET_A.resolve("pt_relpos.weights.safetensors"), manager);
            long[] expected = weights.get("rel_pos_bias.relative_position_index").toLongArray();
            assertArrayEquals(expected, RelativePositionBias.relativePositionIndex(4, 4));
            assertEquals(52, RelativePositionBias.numRows(4, 4));
        }
    }
}
