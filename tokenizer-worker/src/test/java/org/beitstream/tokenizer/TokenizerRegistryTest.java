package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.vqkd.DeadCodeRestart;
import org.beitstream.model.vqkd.ViTConfig;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
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

    static VqkdConfig tinyConfig() {
        ViTConfig encoder = new ViTConfig(28, 4, 1, 32, 1, 2, 4.0, true, 0f, 1e-6f);
        return new VqkdConfig(encoder, encoder.asDecoder(encoder.gridSize(), 8, 1), 64, 8, 0.99,
                VqkdConfig.ProcessType.DEFAULT, false, 36, DeadCodeRestart.Settings.OFF);
    }

    @Test
    void aPublishedVersionLoadsWithIdenticalWeightsAndTokens() throws Exception {
        try (EmbeddedObjectStore server = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(server.settings("tokenizers"));
             NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer original = VqkdTokenizer.create(tinyConfig(), manager, 3)) {
            store.ensureBucket();
            TokenizerRegistry registry = new TokenizerRegistry(store);
            TokenizerAnnouncement announced = registry.publish("v-test-1", tinyConfig(), original.stateDict());

            assertEquals("s3://tokenizers/tokenizers/v-test-1/weights.safetensors", announced.getObjectUri());
            assertTrue(registry.isPublished("v-test-1"));
            IOException republished = assertThrows(IOException.class,
                    () -> registry.publish("v-test-1", tinyConfig(), original.stateDict()));
            assertTrue(republished.getMessage().contains("immutable"), republished.getMessage());
            assertEquals(tinyConfig(), TokenizerRegistry.config(announced));
            NDArray images = manager.randomUniform(0, 1, new Shape(4, 1, 28, 28));
            try (VqkdTokenizer loaded = registry.load(announced, manager)) {
                assertArrayEquals(original.tokens(images).toLongArray(), loaded.tokens(images).toLongArray());
                for (var entry : original.stateDict().entrySet()) {
                    assertTrue(entry.getValue().contentEquals(loaded.stateDict().get(entry.getKey())), entry.getKey());
                }
            }
        }
    }

    @Test
    void weightsThatDoNotMatchTheAnnouncementAreRefused() throws Exception {
        try (EmbeddedObjectStore server = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(server.settings("tokenizers"));
             NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer original = VqkdTokenizer.create(tinyConfig(), manager, 3)) {
            store.ensureBucket();
            TokenizerRegistry registry = new TokenizerRegistry(store);
            TokenizerAnnouncement announced = registry.publish("v-test-2", tinyConfig(), original.stateDict());
            TokenizerAnnouncement forged = TokenizerAnnouncement.newBuilder(announced).setSha256("00".repeat(32)).build();

            IOException refused = assertThrows(IOException.class, () -> registry.load(forged, manager));
            assertTrue(refused.getMessage().contains("sha256"), refused.getMessage());
            TokenizerAnnouncement missing = TokenizerAnnouncement.newBuilder(announced).setVersion("never-published").build();
            assertThrows(IOException.class, () -> registry.load(missing, manager));
        }
    }
}
