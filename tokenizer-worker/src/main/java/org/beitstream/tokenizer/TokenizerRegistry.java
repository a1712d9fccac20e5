package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.runtime.storage.StoredObject;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * Immutable tokenizer versions: weights and config published atomically under {@code tokenizers/<version>/}
 * in the object store, then announced on the compacted {@code tokenizers} topic. A worker loads a version
 * only after checking its weights against the announced sha256.
 */
public final class TokenizerRegistry {
    public static final String PREFIX = "tokenizers/";
    static final String WEIGHTS = "weights.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final PublishedSets sets;

    public TokenizerRegistry(ObjectStore store) {
        this.store = store;
        this.sets = new PublishedSets(store);
    }

    /** Whether a complete set of {@code version} exists (an interrupted upload does not count). */
    public boolean isPublished(String version) throws IOException {
        return sets.read(PREFIX + version + "/").isPresent();
    }

    /**
     * Uploads the version's weights and config; nothing is visible until both are complete. A version is
     * immutable: workers and checkpoints refer to it by name, so publishing an existing name is refused.
     */
    public TokenizerAnnouncement publish(String version, VqkdConfig config, Map<String, NDArray> stateDict)
            throws IOException {
        if (isPublished(version)) {
            throw new IOException("tokenizer " + version + " is already published; versions are immutable");
        }
        ByteArrayOutputStream weights = new ByteArrayOutputStream();
        Safetensors.write(weights, stateDict, Map.of("format", "beit-stream vqkd", "version", version));
        String configJson = JSON.writeValueAsString(config);
        PublishedSets.Manifest manifest = sets.publish(PREFIX + version + "/",
                List.of(PublishedSets.Part.of(WEIGHTS, weights.toByteArray()),
                        PublishedSets.Part.of("config.json", configJson.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                Map.of("version", version));
        StoredObject stored = manifest.object(WEIGHTS).orElseThrow();
        return TokenizerAnnouncement.newBuilder()
                .setVersion(version)
                .setObjectUri(store.settings().uriOf(stored.key()))
                .setSha256(stored.sha256())
                .setConfig(configJson)
                .setCreatedAt(Instant.now())
                .build();
    }

    /** Announces a published version on the {@code tokenizers} topic (keyed by version) and waits for the ack. */
    public static void announce(KafkaSettings kafka, TokenizerAnnouncement announcement)
            throws InterruptedException, ExecutionException {
        Properties props = kafka.clientProperties("beit-stream-tokenizer-registry");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, TokenizerAnnouncement> producer = new KafkaProducer<>(props,
                Topics.TOKENIZERS.keySerde().serializer(), Topics.TOKENIZERS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.TOKENIZERS.name(), announcement.getVersion(), announcement)).get();
        }
    }

    public static VqkdConfig config(TokenizerAnnouncement announcement) throws IOException {
        return JSON.readValue(announcement.getConfig(), VqkdConfig.class);
    }

    /** Loads an announced version, refusing weights whose sha256 differs from the announcement. */
    public VqkdTokenizer load(TokenizerAnnouncement announcement, NDManager manager) throws IOException {
        String prefix = PREFIX + announcement.getVersion() + "/";
        PublishedSets.Manifest manifest = sets.read(prefix)
                .orElseThrow(() -> new IOException("tokenizer " + announcement.getVersion() + " is announced but "
                        + prefix + " holds no complete set"));
        StoredObject weights = manifest.object(WEIGHTS).orElseThrow(() -> new IOException(prefix + " has no " + WEIGHTS));
        if (!weights.sha256().equals(announcement.getSha256())) {
            throw new IOException("tokenizer " + announcement.getVersion() + ": stored weights have sha256 "
                    + weights.sha256() + ", the announcement says " + announcement.getSha256());
        }
        byte[] bytes = sets.readVerified(manifest, WEIGHTS);
        try (NDManager loading = manager.newSubManager()) {
            Map<String, NDArray> stateDict = Safetensors.read(new ByteArrayInputStream(bytes), loading, weights.key());
            return VqkdTokenizer.fromStateDict(config(announcement), stateDict, manager);
        }
    }
}
