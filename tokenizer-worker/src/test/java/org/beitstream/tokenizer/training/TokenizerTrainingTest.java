package org.beitstream.tokenizer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.SyntheticSource;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.config.SettingException;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.storage.ObjectInfo;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.SampleRecords;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.beitstream.tokenizer.VersionConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizer training against a real broker and S3 server: images.raw in, a published, loadable version out. */
class TokenizerTrainingTest {
    private static final int IMAGES = 40;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T02:00:00Z"), ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static EmbeddedInfra infra;
    static ObjectStore store;

    @BeforeAll
    static void start() throws Exception {
        infra = EmbeddedInfra.start(new EmbeddedInfra.Options(dir, 0, 0, "test-access", "test-secret-key", "beit-stream"));
        store = new ObjectStore(infra.s3());
        try (Ingest ingest = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), false)) {
            assertEquals(IMAGES, ingest.ingestAll(new SyntheticSource(32, IMAGES, 1, false), -1).produced());
        }
        // Two records ingest would have refused, written by some other producer: one is not Avro at all,
        // the other is an ImageRecord whose PNG bytes are junk.
        ImageRecord junkPng = ImageRecord.newBuilder(SampleRecords.image("junk-png"))
                .setFormat("png").setData(ByteBuffer.wrap(new byte[] {1, 2, 3})).setSegmentation(null).build();
        Properties props = infra.kafka().clientProperties("test-other-producer");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.IMAGES_RAW.name(), "not-avro", new byte[] {0, 42}));
            producer.send(new ProducerRecord<>(Topics.IMAGES_RAW.name(), "junk-png",
                    Topics.IMAGES_RAW.valueSerde().serializer().serialize(Topics.IMAGES_RAW.name(), junkPng)));
            producer.flush();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        infra.close();
    }

    private static TrainingSettings settings(String source, String version) {
        return new TrainingSettings(source, Path.of("/nonexistent"), "fmnist-tiny", new TeacherSpec.Hog(), 4,
                Duration.ZERO, -1, 8, 1e-3, 3, 2, version, 2);
    }

    @Test
    void trainingOnTheStreamPublishesALoadableVersionWithValidMetrics() throws Exception {
        TokenizerTrainer trainer = new TokenizerTrainer(infra.kafka(), store, CLOCK);
        TokenizerTrainer.Outcome outcome = trainer.train(settings(TrainingSettings.STREAM, "tok-it-stream"));

        assertEquals(IMAGES, outcome.images());
        assertEquals(2, outcome.skipped());

        // A complete set under tokenizers/<version>/, manifest included.
        Set<String> keys = store.list(TokenizerRegistry.PREFIX + "tok-it-stream/").stream().map(ObjectInfo::key)
                .collect(Collectors.toSet());
        assertEquals(Set.of("tokenizers/tok-it-stream/weights.safetensors", "tokenizers/tok-it-stream/config.json",
                "tokenizers/tok-it-stream/MANIFEST.json"), keys);

        // The announcement on the topic is the one returned, and it loads into a tokenizer that tokenizes.
        List<ConsumerRecord<String, TokenizerAnnouncement>> announced = KafkaRoundTrip.consume(infra.kafka(),
                Topics.TOKENIZERS, 1, Duration.ofSeconds(20));
        assertEquals(1, announced.size());
        TokenizerAnnouncement announcement = announced.get(0).value();
        assertEquals(outcome.announcement(), announcement);
        assertEquals(9, ((VersionConfig.Vqkd) TokenizerRegistry.config(announcement)).config().decoderOutDim());
        try (NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = (VqkdTokenizer) new TokenizerRegistry(store).load(announcement, manager)) {
            NDArray images = manager.randomUniform(0, 1, new Shape(3, 1, 28, 28));
            NDArray tokens = tokenizer.tokens(images);
            assertEquals(new Shape(3, 49), tokens.getShape());
            assertTrue(tokens.max().getLong() < 1024 && tokens.min().getLong() >= 0);
            assertTrue(tokenizer.quantizer().initialised(), "the k-means initialised codebook was published");
        }

        // One record per 2 steps, each valid under the topic's JSON Schema.
        List<ConsumerRecord<String, JsonNode>> metrics = KafkaRoundTrip.consume(infra.kafka(),
                Topics.METRICS_TOKENIZER, 2, Duration.ofSeconds(20));
        assertEquals(List.of(2L, 4L), metrics.stream().map(r -> r.value().get("step").asLong()).toList());
        JsonSchema schema = schema();
        for (ConsumerRecord<String, JsonNode> record : metrics) {
            JsonNode json = record.value();
            assertEquals(Set.of(), schema.validate(json).stream().map(Object::toString).collect(Collectors.toSet()),
                    json.toString());
            assertEquals("tok-it-stream", record.key());
            assertEquals("training", json.get("phase").asText());
            assertEquals(1024, json.get("codebookSize").asInt());
            assertEquals("2026-11-24T02:00:00Z", json.get("time").asText());
            int used = json.get("codesUsed").asInt();
            assertTrue(used >= 1 && used <= 2 * 8 * 49, json.toString());
            assertEquals(used / 1024.0, json.get("codebookUsage").asDouble(), 1e-12);
            // 784 tokens over at most 1024 codes, restarts on: far more than a collapsed codebook's 0 bits.
            assertTrue(json.get("codeEntropyBits").asDouble() > 1, json.toString());
            assertTrue(json.get("deadCodesRestarted").asLong() > 0, json.toString());
        }
        assertEquals(outcome.last().loss(), metrics.get(1).value().get("loss").asDouble(), 1e-12);
    }

    @Test
    void aPublishedVersionNameIsRefusedBeforeTraining() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer existing = VqkdTokenizer.create(VqkdConfig.fmnistTiny(), manager, 1)) {
            new TokenizerRegistry(store).publish("tok-it-taken", existing.config(), existing.stateDict());
        }
        TokenizerTrainer trainer = new TokenizerTrainer(infra.kafka(), store, CLOCK);
        SettingException again = assertThrows(SettingException.class,
                () -> trainer.train(settings("synthetic", "tok-it-taken")));
        assertEquals("--version", again.setting());
    }

    private static JsonSchema schema() throws Exception {
        try (InputStream in = TokenizerTrainingTest.class.getResourceAsStream("/json-schema/metrics.tokenizer.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }
}
