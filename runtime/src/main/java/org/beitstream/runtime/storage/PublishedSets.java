package org.beitstream.runtime.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sets of objects that readers see all at once or not at all. A set lives under a prefix; its
 * manifest (names, sizes, sha256) is written last, with one PUT, which S3 makes atomic. Readers only
 * look for manifests, so an upload interrupted at any point leaves nothing they can see.
 */
public final class PublishedSets {
    public static final String MANIFEST = "MANIFEST.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Opens a part's content; called once, during publication. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    /** One object of a set: its name under the set's prefix, its content, and its size (-1 if unknown). */
    public record Part(String name, Content content, long bytes) {
        public Part {
            if (name.isBlank() || name.startsWith("/") || name.contains("..") || name.equals(MANIFEST)) {
                throw new IllegalArgumentException("invalid part name '" + name + "'");
            }
        }

        public static Part of(String name, byte[] content) {
            return new Part(name, () -> new java.io.ByteArrayInputStream(content), content.length);
        }
    }

    /** A complete set as its manifest describes it. */
    public record Manifest(String prefix, Instant createdAt, Map<String, String> metadata, List<StoredObject> objects) {
        public Optional<StoredObject> object(String name) {
            return objects.stream().filter(o -> o.key().equals(prefix + name)).findFirst();
        }
    }

    private final ObjectStore store;

    public PublishedSets(ObjectStore store) {
        this.store = store;
    }

    /** Uploads every part under {@code prefix} (which ends in '/'), then the manifest that makes them visible. */
    public Manifest publish(String prefix, List<Part> parts, Map<String, String> metadata) throws IOException {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("a set's prefix ends in '/': " + prefix);
        }
        Set<String> names = new HashSet<>();
        for (Part part : parts) {
            if (!names.add(part.name())) {
                throw new IllegalArgumentException("part " + part.name() + " appears twice in " + prefix);
            }
        }
        List<StoredObject> stored = new ArrayList<>();
        for (Part part : parts) {
            try (InputStream in = part.content().open()) {
                stored.add(store.put(prefix + part.name(), in, part.bytes()));
            }
        }
        Manifest manifest = new Manifest(prefix, Instant.now(), Map.copyOf(metadata), List.copyOf(stored));
        store.put(prefix + MANIFEST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(manifest)));
        return manifest;
    }

    /** The set under {@code prefix}, if it was published completely. */
    public Optional<Manifest> read(String prefix) throws IOException {
        if (store.stat(prefix + MANIFEST).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(fromJson(prefix, JSON.readTree(store.getBytes(prefix + MANIFEST))));
    }

    /** Every complete set whose prefix starts with {@code parentPrefix}, in key order. */
    public List<Manifest> list(String parentPrefix) throws IOException {
        List<Manifest> sets = new ArrayList<>();
        for (ObjectInfo object : store.list(parentPrefix)) {
            if (object.key().endsWith("/" + MANIFEST)) {
                String prefix = object.key().substring(0, object.key().length() - MANIFEST.length());
                sets.add(fromJson(prefix, JSON.readTree(store.getBytes(object.key()))));
            }
        }
        return sets;
    }

    /** Unpublishes a set (manifest first, so readers never see it half-deleted), then removes its objects. */
    public void delete(String prefix) throws IOException {
        store.delete(prefix + MANIFEST);
        for (ObjectInfo object : store.list(prefix)) {
            store.delete(object.key());
        }
    }

    /** Streams one object of a set, failing if its content no longer matches the manifest's sha256. */
    public byte[] readVerified(Manifest manifest, String name) throws IOException {
        StoredObject expected = manifest.object(name)
                .orElseThrow(() -> new IOException("set " + manifest.prefix() + " has no part " + name));
        byte[] content = store.getBytes(expected.key());
        String actual = java.util.HexFormat.of().formatHex(ObjectStore.sha256().digest(content));
        if (!actual.equals(expected.sha256())) {
            throw new IOException(expected.key() + " has sha256 " + actual + ", its manifest says " + expected.sha256());
        }
        return content;
    }

    private static ObjectNode toJson(Manifest manifest) {
        ObjectNode root = JSON.createObjectNode();
        root.put("createdAt", manifest.createdAt().toString());
        ObjectNode metadata = root.putObject("metadata");
        manifest.metadata().forEach(metadata::put);
        ArrayNode objects = root.putArray("objects");
        for (StoredObject object : manifest.objects()) {
            objects.addObject()
                    .put("name", object.key().substring(manifest.prefix().length()))
                    .put("bytes", object.bytes())
                    .put("sha256", object.sha256());
        }
        return root;
    }

    private static Manifest fromJson(String prefix, JsonNode root) {
        Map<String, String> metadata = new LinkedHashMap<>();
        root.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        List<StoredObject> objects = new ArrayList<>();
        for (JsonNode object : root.path("objects")) {
            objects.add(new StoredObject(prefix + object.get("name").asText(), object.get("bytes").asLong(),
                    object.get("sha256").asText()));
        }
        return new Manifest(prefix, Instant.parse(root.get("createdAt").asText()), metadata, objects);
    }
}
