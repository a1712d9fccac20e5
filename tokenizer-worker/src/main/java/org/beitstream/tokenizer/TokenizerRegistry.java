package org.beitstream.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.tokenizer.TokenizerGeometry;
import org.beitstream.model.tokenizer.TorchScriptTokenizer;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.runtime.storage.StoredObject;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * Immutable tokenizer versions: weights and config published atomically under {@code tokenizers/<version>/}
 * in the object store, then announced on the compacted {@code tokenizers} topic. A worker loads a version
 * only after checking its weights against the announced sha256. A version is our VQ-KD or a user's
 * TorchScript module ({@link VersionConfig}).
 */
public final class TokenizerRegistry {
    public static final String PREFIX = "tokenizers/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Object keys and Kafka keys: letters, digits, dot, dash, underscore. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

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

    /** The version name, or a {@code --version} error when it cannot name objects and Kafka keys. */
    public static String checkVersionName(String version) {
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new SettingException("--version", "'" + version + "' is not a version name (letters, digits, "
                    + "'.', '-', '_'; at most 128)");
        }
        return version;
    }

    /** Publishes our VQ-KD tokenizer: its config and the authors' state dict as safetensors. */
    public TokenizerAnnouncement publish(String version, VqkdConfig config, Map<String, NDArray> stateDict)
            throws IOException {
        ByteArrayOutputStream weights = new ByteArrayOutputStream();
        Safetensors.write(weights, stateDict, Map.of("format", "beit-stream vqkd", "version", version));
        return publish(version, new VersionConfig.Vqkd(config), weights.toByteArray());
    }

    /**
     * Publishes a user's TorchScript tokenizer after one forward on zeros, which finds its token grid and refuses,
     * before anything is uploaded, a module that breaks the contract of docs/TOKENIZER.md.
     */
    public TokenizerAnnouncement publishTorchScript(String version, TorchScriptSpec spec) throws IOException {
        TokenizerGeometry geometry = TorchScriptTokenizer.probe(spec.module(), spec.imageSize(), spec.channels(),
                spec.vocabSize());
        return publish(version, new VersionConfig.TorchScript(geometry), Files.readAllBytes(spec.module()));
    }

    /**
     * Uploads the version's weights and config; nothing is visible until both are complete. A version is
     * immutable: workers and checkpoints refer to it by name, so publishing an existing name is refused.
     */
    private TokenizerAnnouncement publish(String version, VersionConfig config, byte[] weights) throws IOException {
        if (isPublished(version)) {
            throw new IOException("tokenizer " + version + " is already published; versions are immutable");
        }
        String configJson = JSON.writeValueAsString(config.toJson(JSON));
        PublishedSets.Manifest manifest = sets.publish(PREFIX + version + "/",
                List.of(PublishedSets.Part.of(config.objectName(), weights),
                        PublishedSets.Part.of("config.json", configJson.getBytes(StandardCharsets.UTF_8))),
                Map.of("version", version));
        StoredObject stored = manifest.object(config.objectName()).orElseThrow();
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

    public static VersionConfig config(TokenizerAnnouncement announcement) throws IOException {
        try {
            return VersionConfig.fromJson(JSON, announcement.getConfig());
        } catch (IOException e) {
            throw new IOException("tokenizer " + announcement.getVersion() + " has an unusable config: "
                    + e.getMessage(), e);
        }
    }

    /** Loads an announced version, of its kind, refusing weights whose sha256 differs from the announcement. */
    public VisualTokenizer load(TokenizerAnnouncement announcement, NDManager manager) throws IOException {
        return fetch(announcement).build(manager);
    }

    /**
     * An announced version's verified object, read from storage but not yet a model: a worker reads it on any
     * thread and builds it on the one thread that runs its PyTorch work.
     */
    public record FetchedVersion(String version, VersionConfig config, byte[] object) {
        public VisualTokenizer build(NDManager manager) throws IOException {
            return config.load(version, object, manager);
        }
    }

    /** Reads an announced version's object, refusing one whose sha256 differs from the announcement. */
    public FetchedVersion fetch(TokenizerAnnouncement announcement) throws IOException {
        VersionConfig config = config(announcement);
        String prefix = PREFIX + announcement.getVersion() + "/";
        PublishedSets.Manifest manifest = sets.read(prefix)
                .orElseThrow(() -> new IOException("tokenizer " + announcement.getVersion() + " is announced but "
                        + prefix + " holds no complete set"));
        StoredObject weights = manifest.object(config.objectName())
                .orElseThrow(() -> new IOException(prefix + " has no " + config.objectName()));
        if (!weights.sha256().equals(announcement.getSha256())) {
            throw new IOException("tokenizer " + announcement.getVersion() + ": stored weights have sha256 "
                    + weights.sha256() + ", the announcement says " + announcement.getSha256());
        }
        return new FetchedVersion(announcement.getVersion(), config, sets.readVerified(manifest, config.objectName()));
    }
}
