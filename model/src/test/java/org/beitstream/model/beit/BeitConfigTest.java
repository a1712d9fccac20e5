package org.beitstream.model.beit;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeitConfigTest {

    private static long count(BeitConfig config) {
        return BeitPretrainingModel.parameterShapes(config).values().stream().mapToLong(Shape::size).sum();
    }

    @Test
    void presetsHaveTheAuthorsParameterCounts() {
        assertEquals(106_143_056L, count(BeitConfig.preset("base")));
        assertEquals(336_728_512L, count(BeitConfig.preset("large")));
    }

    @Test
    void smallPresetsFitTheirDocumentedSize() {
        assertEquals(3_762_628L, count(BeitConfig.preset("fmnist-tiny")));
        assertEquals(8_169_392L, count(BeitConfig.preset("fmnist-small")));
        assertEquals(7, BeitConfig.FMNIST_TINY.gridSize());
        assertEquals(1, BeitConfig.FMNIST_TINY.inChans());
    }

    @Test
    void setACountMatchesTheManifest() throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(OracleVectors.setA().resolve("MANIFEST.json")));
        for (String variant : new String[] {"pt_relpos", "pt_abspos", "pt_blockrel"}) {
            BeitConfig config = BeitConfig.fromAuthorsArgs(manifest.get(variant).get("config"));
            assertEquals(manifest.get(variant).get("num_params").asLong(), count(config), variant);
        }
    }

    @Test
    void invalidSettingsAreNamed() {
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class, () -> new BeitConfig(
                224, 16, 3, 768, 12, 7, 4.0, 9, 2, 8192, 0.1, true, false, false, true, 0.02));
        assertTrue(heads.getMessage().contains("num_heads"), heads.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class, () -> new BeitConfig(
                224, 16, 3, 768, 12, 12, 4.0, 13, 2, 8192, 0.1, true, false, false, true, 0.02));
        assertTrue(early.getMessage().contains("early_layers"), early.getMessage());
        IllegalArgumentException patch = assertThrows(IllegalArgumentException.class, () -> new BeitConfig(
                28, 5, 1, 192, 6, 3, 4.0, 4, 2, 1024, 0.1, true, false, false, true, 0.02));
        assertTrue(patch.getMessage().contains("patch_size"), patch.getMessage());
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> BeitConfig.preset("huge"));
        assertTrue(preset.getMessage().contains("huge"), preset.getMessage());
    }

    @Test
    void unsupportedAuthorsArgumentsAreNamed() {
        ObjectNode args = new ObjectMapper().createObjectNode();
        args.put("drop_path_rate", 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BeitConfig.fromAuthorsArgs(args));
        assertTrue(e.getMessage().contains("drop_path_rate"), e.getMessage());
        ObjectNode incomplete = new ObjectMapper().createObjectNode();
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> BeitConfig.fromAuthorsArgs(incomplete));
        assertTrue(missing.getMessage().contains("img_size"), missing.getMessage());
    }
}
