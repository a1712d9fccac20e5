package org.beitstream.runtime;

import org.beitstream.runtime.embedded.EmbeddedObjectStore;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.ObjectStoreException;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.runtime.storage.PublishedSets.Part;
import org.beitstream.runtime.storage.StoredObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Object storage through the MinIO client against a real S3 API server (S3Proxy, files on disk). */
class ObjectStoreTest {
    private static final long MB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void twoHundredMegabytesStreamUpAndDownIntact() throws Exception {
        try (EmbeddedObjectStore server = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(server.settings("roundtrip"))) {
            store.ensureBucket();
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            // Size unknown up front: the client must stream it in multipart parts.
            StoredObject stored = store.put("big/blob.bin",
                    new DigestInputStream(new PseudoRandomStream(200 * MB, 42, null), sent), -1);
            String sentSha = HexFormat.of().formatHex(sent.digest());

            assertEquals(200 * MB, stored.bytes());
            assertEquals(sentSha, stored.sha256());
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long receivedBytes;
            try (InputStream in = new DigestInputStream(store.get("big/blob.bin"), received)) {
                receivedBytes = in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            assertEquals(200 * MB, receivedBytes);
            assertEquals(sentSha, HexFormat.of().formatHex(received.digest()));
            assertEquals(200 * MB, store.stat("big/blob.bin").orElseThrow().bytes());
        }
    }

    @Test
    void aPublishedSetIsReadableAndVerified() throws Exception {
        try (EmbeddedObjectStore server = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(server.settings("sets"))) {
            store.ensureBucket();
            PublishedSets sets = new PublishedSets(store);
            sets.publish("runs/a/step-1/", List.of(Part.of("model.safetensors", new byte[] {1, 2, 3}),
                    Part.of("optimizer.safetensors", new byte[] {4})), Map.of("step", "1"));

            PublishedSets.Manifest manifest = sets.read("runs/a/step-1/").orElseThrow();
            assertEquals("1", manifest.metadata().get("step"));
            assertArrayEquals(new byte[] {1, 2, 3}, sets.readVerified(manifest, "model.safetensors"));

            store.put("runs/a/step-1/model.safetensors", new byte[] {9, 9, 9}); // tampered after publication
            IOException tampered = assertThrows(IOException.class, () -> sets.readVerified(manifest, "model.safetensors"));
            assertTrue(tampered.getMessage().contains("sha256"), tampered.getMessage());

            sets.delete("runs/a/step-1/");
            assertTrue(sets.read("runs/a/step-1/").isEmpty());
            assertEquals(List.of(), store.list("runs/a/step-1/"));
        }
    }

    @Test
    void aPublicationInterruptedByAServerCrashLeavesNoVisibleSet() throws Exception {
        CountDownLatch midway = new CountDownLatch(1);
        CountDownLatch serverStopped = new CountDownLatch(1);
        CompletableFuture<PublishedSets.Manifest> publication;
        try (EmbeddedObjectStore server = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(server.settings("crash"))) {
            store.ensureBucket();
            PublishedSets sets = new PublishedSets(store);
            sets.publish("runs/r/step-1/", List.of(Part.of("model.bin", new byte[] {1})), Map.of());

            // The second part pauses after 80 MB (one 64 MB part already uploaded) until the server is gone.
            List<Part> parts = List.of(Part.of("config.json", "{}".getBytes()),
                    new Part("model.bin", () -> new PseudoRandomStream(300 * MB, 7,
                            new PseudoRandomStream.Pause(80 * MB, midway, serverStopped)), -1));
            publication = CompletableFuture.supplyAsync(() -> {
                try {
                    return sets.publish("runs/r/step-2/", parts, Map.of());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(midway.await(120, TimeUnit.SECONDS), "upload never reached the middle");
        }
        serverStopped.countDown();
        ExecutionException failure = assertThrows(ExecutionException.class, () -> publication.get(120, TimeUnit.SECONDS));
        assertInstanceOf(ObjectStoreException.class, failure.getCause().getCause(), failure.toString());

        try (EmbeddedObjectStore restarted = EmbeddedObjectStore.start(dir);
             ObjectStore store = new ObjectStore(restarted.settings("crash"))) {
            PublishedSets sets = new PublishedSets(store);
            assertTrue(sets.read("runs/r/step-2/").isEmpty(), "the interrupted set must not be visible");
            assertEquals(List.of("runs/r/step-1/"), sets.list("runs/r/").stream().map(PublishedSets.Manifest::prefix).toList());
        }
    }
}
