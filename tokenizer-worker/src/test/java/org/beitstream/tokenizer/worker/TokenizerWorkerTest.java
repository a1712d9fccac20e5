package org.beitstream.tokenizer.worker;

import ai.djl.ndarray.NDManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.beitstream.model.testing.TorchScriptFixtures;
import org.beitstream.model.tokenizer.TorchScriptTokenizer;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.DecodedImage;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.RandomResizedCrop;
import org.beitstream.runtime.images.SquareImage;
import org.beitstream.runtime.images.TestImages;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.DeadLetter;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topic;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.beitstream.tokenizer.TestTokenizers;
import org.beitstream.tokenizer.TorchScriptSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker on a real broker and S3 server: exactly-once tokenization, dead letters, hot reload. */
class TokenizerWorkerTest {
    @TempDir
    static Path dir;
    static EmbeddedInfra infra;
    static ObjectStore store;
    static NDManager manager;

    @BeforeAll
    static void start() throws Exception {
        infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "worker-test"));
        store = new ObjectStore(infra.s3());
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() throws Exception {
        manager.close();
        store.close();
        infra.close();
    }

    private static WorkerConfig config(String app) {
        return new WorkerConfig(app, 8, Duration.ofMillis(200), Optional.empty(), dir.resolve("state-" + app),
                ImageDecoder.Limits.defaults());
    }

    /** Publishes and announces a tokenizer with its own random weights; returns it for offline comparison. */
    private static VqkdTokenizer announce(String version, long seed) throws Exception {
        VqkdTokenizer tokenizer = VqkdTokenizer.create(TestTokenizers.tiny(), manager, seed);
        TokenizerAnnouncement announcement = new TokenizerRegistry(store).publish(version,
                TestTokenizers.tiny(), tokenizer.stateDict());
        TokenizerRegistry.announce(infra.kafka(), announcement);
        return tokenizer;
    }

    private static ImageRecord image(String id, Random random) {
        byte[] pixels = new byte[28 * 28];
        random.nextBytes(pixels);
        return ImageRecord.newBuilder().setId(id).setData(ByteBuffer.wrap(pixels)).setFormat("raw-gray8")
                .setWidth(28).setHeight(28).setChannels(1).setSource("test").setTimestamp(Instant.now())
                .setLabel(random.nextInt(10)).build();
    }

    private static void produce(List<ImageRecord> images) {
        KafkaRoundTrip.produce(infra.kafka(), Topics.IMAGES_RAW,
                images.stream().map(i -> new ProducerRecord<>(Topics.IMAGES_RAW.name(), i.getId(), i)).toList());
    }

    /** Publishes and announces set A's VQ-KD exported as TorchScript; returns the module for offline comparison. */
    private static VisualTokenizer announceTorchScript(String version) throws Exception {
        Path module = TorchScriptFixtures.file("vqkd-setA", dir);
        TokenizerRegistry.announce(infra.kafka(), new TokenizerRegistry(store).publishTorchScript(version,
                new TorchScriptSpec(module, 32, 3, 128)));
        return TorchScriptTokenizer.load("offline-" + version, module, TorchScriptFixtures.SET_A);
    }

    /** The image's pixels as the worker prepares them for this tokenizer. */
    private static byte[] prepared(ImageRecord image, VisualTokenizer tokenizer) {
        DecodedImage decoded = new DecodedImage(image.getWidth(), image.getHeight(), 1, image.getData().array());
        return SquareImage.chw(decoded, tokenizer.geometry().imageSize(), tokenizer.geometry().channels());
    }

    private static long[] offlineTokens(VisualTokenizer tokenizer, ImageRecord image) {
        LoadedTokenizer loaded = new LoadedTokenizer("offline", tokenizer, manager.newSubManager());
        return loaded.tokens(List.of(prepared(image, tokenizer))).orElseThrow()[0];
    }

    private static List<Integer> boxed(long[] tokens) {
        return Arrays.stream(tokens).boxed().map(Long::intValue).toList();
    }

    private static Map<String, TokenizedImage> tokenized(String prefix, int expected) {
        List<TokenizedImage> mine = KafkaRoundTrip.consume(infra.kafka(), Topics.IMAGES_TOKENIZED,
                r -> r.value().getId().startsWith(prefix), expected, Duration.ofSeconds(60))
                .stream().map(ConsumerRecord::value).toList();
        Map<String, TokenizedImage> byId = mine.stream().collect(Collectors.toMap(TokenizedImage::getId, t -> t));
        assertEquals(mine.size(), byId.size(), "an image was tokenized twice");
        assertEquals(expected, byId.size());
        return byId;
    }

    @Test
    void everyValidImageIsTokenizedExactlyOnceAndEveryBadRecordIsDeadLettered() throws Exception {
        VqkdTokenizer v1 = announce("eo-v1", 11);
        Random random = new Random(1);
        List<ImageRecord> images = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            images.add(image("eo-" + i, random));
        }
        produce(images);
        byte[] png = TestImages.encode(TestImages.gradient(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png");
        produce(List.of(
                withData(image("eo-bad-truncated", random), Arrays.copyOf(png, png.length / 2), "png"),
                withData(image("eo-bad-empty", random), new byte[0], "png"),
                withData(image("eo-bad-bomb", random), TestImages.pngHeaderOnly(30000, 30000), "png")));
        Topic<String, byte[]> rawBytes = new Topic<>(Topics.IMAGES_RAW.name(), Serdes.String(), Serdes.ByteArray(), 1, Map.of());
        KafkaRoundTrip.produce(infra.kafka(), rawBytes, List.of(
                new ProducerRecord<>(rawBytes.name(), "eo-bad-schema", "{\"not\": \"avro\"}".getBytes())));

        try (TokenizerWorker worker = TokenizerWorker.start(config("eo-app"), infra.kafka(), store,
                (version, n, nanos, tokens) -> { }, Duration.ofSeconds(30))) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            worker.bindTo(meters);
            Map<String, TokenizedImage> out = tokenized("eo-", 45);
            // What an operator sees: the work counted (a batch redone after an aborted transaction counts again), UP.
            assertTrue(meters.get("tokenizer.worker.images.tokenized").functionCounter().count() >= 45);
            assertTrue(worker.health().up(), worker.health().detail());
            for (ImageRecord image : images) {
                TokenizedImage t = out.get(image.getId());
                assertEquals("eo-v1", t.getTokenizerVersion());
                assertEquals(49, t.getTokens().size());
                assertEquals(image.getLabel(), t.getLabel());
                assertEquals(boxed(offlineTokens(v1, image)), t.getTokens(), "tokens of " + image.getId());
            }
        }
        Map<String, DeadLetter> letters = KafkaRoundTrip.consume(infra.kafka(), Topics.IMAGES_DLQ,
                        r -> r.key() != null && r.key().startsWith("eo-bad"), 4, Duration.ofSeconds(30)).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals(Map.of("eo-bad-truncated", "UNDECODABLE", "eo-bad-empty", "EMPTY", "eo-bad-bomb", "TOO_MANY_PIXELS",
                "eo-bad-schema", "BAD_SCHEMA"), letters.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getErrorType())));
        DeadLetter schema = letters.get("eo-bad-schema");
        assertEquals(Topics.IMAGES_RAW.name(), schema.getSourceTopic());
        assertTrue(schema.getSourceOffset() >= 0);
        assertEquals("{\"not\": \"avro\"}", new String(schema.getOriginalValue().array()));
    }

    @Test
    void aTorchScriptVersionTokenizesEveryImageExactlyOnceWithTheModulesOwnTokens() throws Exception {
        VisualTokenizer module = announceTorchScript("ts-v1");
        Random random = new Random(3);
        List<ImageRecord> images = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            images.add(image("ts-" + i, random));
        }
        produce(images);
        WorkerConfig config = new WorkerConfig("ts-app", 8, Duration.ofMillis(200), Optional.of("ts-v1"),
                dir.resolve("state-ts-app"), ImageDecoder.Limits.defaults());
        try (TokenizerWorker worker = TokenizerWorker.start(config, infra.kafka(), store,
                (version, n, nanos, tokens) -> { }, Duration.ofSeconds(30))) {
            Map<String, TokenizedImage> out = tokenized("ts-", 30);
            for (ImageRecord image : images) {
                TokenizedImage t = out.get(image.getId());
                assertEquals("ts-v1", t.getTokenizerVersion());
                assertEquals(4, t.getGridHeight());
                // The grey 28x28 input went to the module as 32x32 RGB, and the record carries those pixels.
                byte[] pixels = new byte[t.getPixels().getData().remaining()];
                t.getPixels().getData().duplicate().get(pixels);
                assertArrayEquals(prepared(image, module), pixels, image.getId());
                assertEquals(boxed(offlineTokens(module, image)), t.getTokens(), "tokens of " + image.getId());
            }
        }
    }

    /**
     * brightness-grid keeps the contract on the probe's zeros, but says level 127 for white patches: beyond the 64
     * codes it is published with here. Its batch fails instead of emitting those ids, and stays pending until a
     * version that works is announced, which then tokenizes it exactly once.
     */
    @Test
    void aModuleThatBreaksTheContractOnRealImagesEmitsNothingAndTheNextVersionTakesItsImages() throws Exception {
        Path module = TorchScriptFixtures.file("brightness-grid", dir);
        TokenizerRegistry.announce(infra.kafka(), new TokenizerRegistry(store).publishTorchScript("broken-v1",
                new TorchScriptSpec(module, 32, 3, 64)));
        byte[] pixels = new byte[28 * 28];
        Arrays.fill(pixels, (byte) 255);
        List<ImageRecord> white = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            white.add(ImageRecord.newBuilder(image("broken-" + i, new Random(i))).setData(ByteBuffer.wrap(pixels)).build());
        }
        // The failed stream thread is replaced, and its partitions wait for its session to expire: keep that short.
        KafkaSettings kafka = new KafkaSettings(infra.kafka().bootstrapServers(), Map.of("session.timeout.ms", "6000"));
        try (TokenizerWorker worker = TokenizerWorker.start(config("broken-app"), kafka, store,
                (version, n, nanos, tokens) -> { }, Duration.ofSeconds(30))) {
            awaitVersion(worker, "broken-v1"); // past the versions the other tests announced before
            produce(white);
            assertEquals(List.of(), KafkaRoundTrip.consume(infra.kafka(), Topics.IMAGES_TOKENIZED,
                    r -> r.value().getId().startsWith("broken-"), 1, Duration.ofSeconds(5)));
            VqkdTokenizer fixed = announce("broken-v2", 41);
            Map<String, TokenizedImage> out = tokenized("broken-", 5);
            for (ImageRecord image : white) {
                TokenizedImage t = out.get(image.getId());
                assertEquals("broken-v2", t.getTokenizerVersion());
                assertEquals(boxed(offlineTokens(fixed, image)), t.getTokens(), "tokens of " + image.getId());
            }
        }
    }

    @Test
    void augmentationViewsAreRecordsOfTheirOwnWithCropsThatAReplayWouldRedraw() throws Exception {
        announce("rrc-v1", 31);
        Random random = new Random(4);
        List<ImageRecord> images = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            images.add(image("rrc-" + i, random));
        }
        produce(images);
        Views views = new Views(3, new RandomResizedCrop(0.3, 1.0, 3.0 / 4, 4.0 / 3));
        WorkerConfig config = new WorkerConfig("rrc-app", 8, Duration.ofMillis(200), Optional.of("rrc-v1"),
                dir.resolve("state-rrc-app"), ImageDecoder.Limits.defaults(), views);
        try (TokenizerWorker worker = TokenizerWorker.start(config, infra.kafka(), store,
                (version, n, nanos, tokens) -> { }, Duration.ofSeconds(30))) {
            Map<String, TokenizedImage> out = tokenized("rrc-", 30);
            assertEquals(30, out.size(), out.keySet().toString());
            for (ImageRecord image : images) {
                DecodedImage decoded = new DecodedImage(28, 28, 1, image.getData().array());
                List<byte[]> pixels = new ArrayList<>();
                for (int view = 0; view < 3; view++) {
                    TokenizedImage t = out.get(image.getId() + "/view-" + view);
                    assertEquals(image.getLabel(), t.getLabel());
                    assertEquals(49, t.getTokens().size());
                    byte[] expected = SquareImage.chw(decoded, views.box(image.getId(), view, 28, 28), 28, 1);
                    byte[] actual = new byte[t.getPixels().getData().remaining()];
                    t.getPixels().getData().duplicate().get(actual);
                    assertArrayEquals(expected, actual, image.getId() + " view " + view);
                    pixels.add(expected);
                }
                assertFalse(Arrays.equals(pixels.get(0), pixels.get(1)) && Arrays.equals(pixels.get(1), pixels.get(2)),
                        "the views of " + image.getId() + " are all the same crop");
            }
        }
    }

    /** From our VQ-KD (28x28 grey) to another one, or to a TorchScript module taking other pixels (32x32 RGB). */
    @ParameterizedTest
    @ValueSource(strings = {"vqkd", "torchscript"})
    void aNewVersionAnnouncedMidStreamTakesOverAndEachImageHasExactlyOneVersion(String kind) throws Exception {
        String prefix = "hr-" + kind + "-";
        Map<String, VisualTokenizer> versions = new HashMap<>(Map.of(prefix + "v1", announce(prefix + "v1", 21)));
        Random random = new Random(2);
        List<ImageRecord> before = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            before.add(image(prefix + "a" + i, random));
        }
        produce(before);
        try (TokenizerWorker worker = TokenizerWorker.start(new WorkerConfig("hr-app-" + kind, 8, Duration.ofMillis(200),
                Optional.empty(), dir.resolve("state-hr-" + kind), ImageDecoder.Limits.defaults()), infra.kafka(), store,
                (version, n, nanos, tokens) -> { }, Duration.ofSeconds(30))) {
            tokenized(prefix + "a", 24);
            String v2 = prefix + "v2";
            versions.put(v2, kind.equals("vqkd") ? announce(v2, 22) : announceTorchScript(v2));
            awaitVersion(worker, v2);
            List<ImageRecord> after = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                after.add(image(prefix + "b" + i, random));
            }
            produce(after);
            Map<String, TokenizedImage> out = tokenized(prefix, 48);
            List<ImageRecord> all = new ArrayList<>(before);
            all.addAll(after);
            for (ImageRecord image : all) {
                TokenizedImage t = out.get(image.getId());
                VisualTokenizer used = versions.get(t.getTokenizerVersion());
                assertEquals(boxed(offlineTokens(used, image)), t.getTokens(),
                        image.getId() + " must carry the tokens of the version it names");
            }
            assertTrue(after.stream().allMatch(i -> out.get(i.getId()).getTokenizerVersion().equals(v2)),
                    "images produced after the switch use the new version");
        }
    }

    /** A worker's one OpenMP team: its follower reads a version from storage but builds it on the tokenizer thread. */
    @Test
    void aVersionIsBuiltOnTheThreadThatTokenizes() throws Exception {
        announce("built-v1", 31);
        List<String> threadsThatRan = new CopyOnWriteArrayList<>();
        ThreadPoolExecutor tokenizerThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> new Thread(r, "the-tokenizer-thread")) {
            @Override
            protected void beforeExecute(Thread thread, Runnable task) {
                threadsThatRan.add(thread.getName());
            }
        };
        try (TokenizerFollower follower = new TokenizerFollower(infra.kafka(), new TokenizerRegistry(store),
                Optional.of("built-v1"), tokenizerThread)) {
            assertTrue(follower.awaitFirst(Duration.ofSeconds(30)), "the pinned version loads");
            assertEquals("built-v1", follower.current().version());
            assertEquals(List.of("the-tokenizer-thread"), threadsThatRan);
        } finally {
            tokenizerThread.shutdown();
        }
    }

    private static void awaitVersion(TokenizerWorker worker, String version) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!worker.tokenizerVersion().equals(version)) {
            assertTrue(System.nanoTime() < deadline, "version " + version + " never loaded");
            Thread.onSpinWait();
        }
    }

    private static ImageRecord withData(ImageRecord image, byte[] data, String format) {
        return ImageRecord.newBuilder(image).setData(ByteBuffer.wrap(data)).setFormat(format).setWidth(0).setHeight(0).build();
    }
}
