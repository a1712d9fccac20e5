package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(TestTokenizers.tiny(), TokenizerRegistry.config(announced));
        NDArray images = manager.randomUniform(0, 1, new Shape(4, 1, 28, 28));
        try (VqkdTokenizer loaded = registry.load(announced, manager)) {
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
}
