package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.conformance.CheckResult;
import org.beitstream.model.conformance.TensorComparison;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeitWeightsTest {
    private static final Path SET_A = OracleVectors.setA();

    private static BeitConfig config(String variant) throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(SET_A.resolve("MANIFEST.json")));
        return BeitConfig.fromAuthorsArgs(manifest.get(variant).get("config"));
    }

    @Test
    void importThenExportIsByteIdentical(@TempDir Path dir) throws Exception {
        for (String variant : List.of("pt_relpos", "pt_abspos", "pt_blockrel")) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Map<String, NDArray> original = BeitWeights.read(SET_A.resolve(variant + ".weights.safetensors"), manager);
                BeitPretrainingModel model = BeitPretrainingModel.forLoading(config(variant), manager, DataType.FLOAT32);
                BeitWeights.loadAuthors(model, original);
                Path exported = dir.resolve(variant + ".safetensors");
                BeitWeights.write(exported, BeitWeights.authors(model), "authors");
                Map<String, NDArray> reread = BeitWeights.read(exported, manager);
                assertEquals(new TreeSet<>(original.keySet()), new TreeSet<>(reread.keySet()), variant);
                for (Map.Entry<String, NDArray> e : original.entrySet()) {
                    NDArray back = reread.get(e.getKey());
                    assertEquals(e.getValue().getDataType(), back.getDataType(), e.getKey());
                    assertEquals(e.getValue().getShape(), back.getShape(), e.getKey());
                    assertEquals(e.getValue().toByteBuffer(), back.toByteBuffer(), variant + " " + e.getKey());
                }
            }
        }
    }

    @Test
    void backboneDropsOnlyThePretrainingHeads() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(config("pt_abspos"), manager, 1);
            List<String> dropped = new ArrayList<>(model.stateDict().keySet());
            dropped.removeAll(BeitWeights.backbone(model).keySet());
            assertTrue(dropped.contains("mask_token"));
            assertTrue(dropped.stream().allMatch(k -> k.equals("mask_token") || k.startsWith("lm_head.")
                    || k.startsWith("cls_pt_")), dropped.toString());
            assertTrue(BeitWeights.backbone(model).containsKey("pos_embed"));
        }
    }

    /**
     * The timm layout gives the shared table to every block; a per-block model loaded from it computes the
     * same features as the shared-bias original.
     */
    @Test
    void timmLayoutComputesTheSameBackbone() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = BeitWeights.read(SET_A.resolve("pt_relpos.weights.safetensors"), manager);
            Map<String, NDArray> io = BeitWeights.read(SET_A.resolve("pt_relpos.io.safetensors"), manager);
            BeitConfig shared = config("pt_relpos");
            BeitPretrainingModel original = BeitPretrainingModel.forLoading(shared, manager, DataType.FLOAT32);
            BeitWeights.loadAuthors(original, weights);

            Map<String, NDArray> timm = BeitWeights.timm(original);
            assertFalse(timm.keySet().stream().anyMatch(k -> k.startsWith("rel_pos_bias.")));
            assertTrue(timm.containsKey("blocks.3.attn.relative_position_bias_table"));
            assertTrue(timm.containsKey("blocks.3.attn.q_bias"));
            assertTrue(timm.containsKey("norm.weight"));

            BeitConfig perBlock = new BeitConfig(shared.imgSize(), shared.patchSize(), shared.inChans(),
                    shared.embedDim(), shared.depth(), shared.numHeads(), shared.mlpRatio(), shared.earlyLayers(),
                    shared.headLayers(), shared.vocabSize(), shared.initValues(), false, true, false, true,
                    shared.initStd());
            BeitPretrainingModel converted = BeitPretrainingModel.create(perBlock, manager, 3);
            BeitWeights.loadTimm(converted, timm);
            assertEquals(new TreeSet<>(timm.keySet()), new TreeSet<>(BeitWeights.timm(converted).keySet()));

            // Nothing masked: mask_token is pretraining-only and stays at the converted model's own init.
            NDArray images = io.get("in.images");
            NDArray expected = original.forward(images, null).features();
            NDArray actual = converted.forward(images, null).features();
            CheckResult r = TensorComparison.close("weights", "features", expected, actual, 1e-6);
            assertTrue(r.passed(), r.toString());
        }
    }

    /**
     * Against timm itself (fixture made by {@code timm/make_fixture.py} from our export): the export has
     * exactly the keys and shapes of timm's state dict, and timm's features equal ours.
     */
    @Test
    void timmLoadsTheExportStrictlyAndComputesOurFeatures() throws Exception {
        Path fixture = Path.of(getClass().getResource("/timm/beitv2_setA.safetensors").toURI());
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.forLoading(config("pt_relpos"), manager, DataType.FLOAT32);
            BeitWeights.loadAuthors(model, BeitWeights.read(SET_A.resolve("pt_relpos.weights.safetensors"), manager));

            Map<String, List<Long>> ours = new java.util.TreeMap<>();
            BeitWeights.timm(model).forEach((k, v) -> ours.put(k,
                    java.util.Arrays.stream(v.getShape().getShape()).boxed().toList()));
            Map<String, List<Long>> timms = new java.util.TreeMap<>();
            timmStateDictShapes(fixture).fields().forEachRemaining(e -> {
                List<Long> shape = new ArrayList<>();
                e.getValue().forEach(d -> shape.add(d.asLong()));
                timms.put(e.getKey(), shape);
            });
            assertEquals(timms, ours);

            NDArray images = BeitWeights.read(SET_A.resolve("pt_relpos.io.safetensors"), manager).get("in.images");
            NDArray expected = BeitWeights.read(fixture, manager).get("forward_features");
            CheckResult r = TensorComparison.close("weights", "timm forward_features", expected,
                    model.encode(images), 1e-6);
            assertTrue(r.passed(), r.toString());
            CheckResult same = TensorComparison.close("weights", "encode = unmasked features",
                    model.forward(images, null).features(), model.encode(images), 0);
            assertTrue(same.passed(), same.toString());
        }
    }

    /** The key-to-shape map stored in the fixture's safetensors metadata. */
    private static JsonNode timmStateDictShapes(Path fixture) throws Exception {
        byte[] bytes = Files.readAllBytes(fixture);
        long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectMapper json = new ObjectMapper();
        JsonNode header = json.readTree(new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
        return json.readTree(header.get("__metadata__").get("state_dict").asText());
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = new java.util.HashMap<>(
                    BeitWeights.read(SET_A.resolve("pt_relpos.weights.safetensors"), manager));
            weights.remove("blocks.2.attn.v_bias");
            BeitPretrainingModel model = BeitPretrainingModel.forLoading(config("pt_relpos"), manager, DataType.FLOAT32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BeitWeights.loadAuthors(model, weights));
            assertTrue(e.getMessage().contains("blocks.2.attn.v_bias"), e.getMessage());
        }
    }
}
