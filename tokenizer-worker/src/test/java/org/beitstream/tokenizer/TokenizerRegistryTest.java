package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.testing.OracleVectors;
import org.beitstream.model.testing.TorchScriptFixtures;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import org.beitstream.runtime.storage.ObjectInfo;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerRegistryTest {
    @TempDir
    Path dir;
    EmbeddedObjectStore server;
    ObjectStore store;
    NDManager manager;
    VqkdTokenizer original;
    TokenizerRegistry registry;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedObjectStore.start(dir);
        store = new ObjectStore(server.settings("tokenizers"));
        store.ensureBucket();
        manager = NDManager.newBaseManager();
        original = VqkdTokenizer.create(TestTokenizers.tiny(), manager, 3);
        registry = new TokenizerRegistry(store);
    }

    @AfterEach
    void stop() throws Exception {
        original.close();
        manager.close();
        store.close();
        server.close();
    }

    @Test
    void aPublishedVersionLoadsWithIdenticalWeightsAndTokens() throws Exception {
        TokenizerAnnouncement announced = registry.publish("v-test-1", TestTokenizers.tiny(), original.stateDict());

        assertEquals("s3://tokenizers/tokenizers/v-test-1/weights.safetensors", announced.getObjectUri());
        assertTrue(registry.isPublished("v-test-1"));
        IOException republished = assertThrows(IOException.class,
                () -> registry.publish("v-test-1", TestTokenizers.tiny(), original.stateDict()));
        assertTrue(republished.getMessage().contains("immutable"), republished.getMessage());
        assertEquals(new VersionConfig.Vqkd(TestTokenizers.tiny()), TokenizerRegistry.config(announced));
        NDArray images = manager.randomUniform(0, 1, new Shape(4, 1, 28, 28));
        try (VqkdTokenizer loaded = (VqkdTokenizer) registry.load(announced, manager)) {
            assertArrayEquals(original.tokens(images).toLongArray(), loaded.tokens(images).toLongArray());
            for (var entry : original.stateDict().entrySet()) {
                assertTrue(entry.getValue().contentEquals(loaded.stateDict().get(entry.getKey())), entry.getKey());
            }
        }
    }

    @Test
    void weightsThatDoNotMatchTheAnnouncementAreRefused() throws Exception {
        TokenizerAnnouncement announced = registry.publish("v-test-2", TestTokenizers.tiny(), original.stateDict());
        TokenizerAnnouncement forged = TokenizerAnnouncement.newBuilder(announced).setSha256("00".repeat(32)).build();

        IOException refused = assertThrows(IOException.class, () -> registry.load(forged, manager));
        assertTrue(refused.getMessage().contains("sha256"), refused.getMessage());
        TokenizerAnnouncement missing = TokenizerAnnouncement.newBuilder(announced).setVersion("never-published").build();
        assertThrows(IOException.class, () -> registry.load(missing, manager));
    }

    @Test
    void aTorchScriptVersionIsProbedPublishedAndLoadedAsItsKind() throws Exception {
        Path module = TorchScriptFixtures.file("vqkd-setA", dir);
        TokenizerAnnouncement announced = registry.publishTorchScript("ts-test-1", new TorchScriptSpec(module, 32, 3, 128));

        assertEquals("s3://tokenizers/tokenizers/ts-test-1/module.pt", announced.getObjectUri());
        assertEquals(Set.of("tokenizers/ts-test-1/module.pt", "tokenizers/ts-test-1/config.json",
                "tokenizers/ts-test-1/MANIFEST.json"), keys("tokenizers/ts-test-1/"));
        assertEquals("{\"kind\":\"torchscript\",\"imageSize\":32,\"channels\":3,\"gridSize\":4,\"vocabSize\":128}",
                announced.getConfig());
        assertEquals(new VersionConfig.TorchScript(TorchScriptFixtures.SET_A), TokenizerRegistry.config(announced));
        Map<String, NDArray> io = Safetensors.read(OracleVectors.setA().resolve("vqkd.io.safetensors"), manager);
        try (VisualTokenizer loaded = registry.load(announced, manager)) {
            assertArrayEquals(io.get("out.embed_ind").toLongArray(), loaded.tokens(io.get("in.images")).toLongArray());
        }
        IOException forged = assertThrows(IOException.class, () -> registry.load(
                TokenizerAnnouncement.newBuilder(announced).setSha256("00".repeat(32)).build(), manager));
        assertTrue(forged.getMessage().contains("sha256"), forged.getMessage());
    }

    @Test
    void aModuleThatBreaksTheContractIsRefusedBeforeAnythingIsUploaded() throws Exception {
        Path module = TorchScriptFixtures.file("out-of-range", dir);
        var e = assertThrows(IllegalArgumentException.class,
                () -> registry.publishTorchScript("ts-test-2", new TorchScriptSpec(module, 32, 3, 128)));
        assertTrue(e.getMessage().contains(module + " returned ids in [128, 128], outside its vocabulary"), e.getMessage());
        assertEquals(Set.of(), keys("tokenizers/ts-test-2/"));
    }

    @Test
    void aConfigOfAnUnknownKindNamesTheVersion() throws Exception {
        TokenizerAnnouncement announced = registry.publish("v-test-3", TestTokenizers.tiny(), original.stateDict());
        assertFalse(announced.getConfig().contains(VersionConfig.KIND), "VQ-KD configs stay as older workers read them");
        TokenizerAnnouncement unknown = TokenizerAnnouncement.newBuilder(announced)
                .setConfig("{\"kind\":\"onnx\"}").build();
        IOException e = assertThrows(IOException.class, () -> registry.load(unknown, manager));
        assertEquals("tokenizer v-test-3 has an unusable config: unknown tokenizer kind 'onnx' (known: vqkd, torchscript)",
                e.getMessage());
        TokenizerAnnouncement notAnObject = TokenizerAnnouncement.newBuilder(announced).setConfig("[]").build();
        e = assertThrows(IOException.class, () -> registry.load(notAnObject, manager));
        assertEquals("tokenizer v-test-3 has an unusable config: the config is not a JSON object", e.getMessage());
    }

    private Set<String> keys(String prefix) throws Exception {
        return store.list(prefix).stream().map(ObjectInfo::key).collect(Collectors.toSet());
    }
}
