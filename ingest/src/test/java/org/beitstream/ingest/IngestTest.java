package org.beitstream.ingest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.beitstream.ingest.source.DirectorySource;
import org.beitstream.ingest.source.IdxFixture;
import org.beitstream.ingest.source.ImageSources;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedKafka;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.TestImages;
import org.beitstream.runtime.kafka.TopicAdmin;
import org.beitstream.schemas.DeadLetter;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.Split;
import org.beitstream.schemas.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ingest against a real broker: valid images flow, every kind of bad one is dead-lettered with its reason. */
class IngestTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.Limits.defaults());

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensureTopics(kafka.settings(), Topics.ALL, Optional.empty());
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void badFilesGoToTheDeadLetterTopicWithReasonsWhileValidOnesFlow() throws Exception {
        Path images = Files.createDirectories(dir.resolve("folder"));
        byte[] png = TestImages.encode(TestImages.gradient(40, 30, BufferedImage.TYPE_INT_RGB), "png");
        Files.createDirectories(images.resolve("cats"));
        Files.createDirectories(images.resolve("dogs"));
        Files.write(images.resolve("cats/good.png"), png);
        Files.write(images.resolve("dogs/good.jpg"), TestImages.encode(TestImages.gradient(20, 20, BufferedImage.TYPE_INT_RGB), "jpeg"));
        byte[] junk = new byte[300];
        new Random(3).nextBytes(junk);
        Files.write(images.resolve("dogs/corrupt.png"), junk);
        Files.write(images.resolve("dogs/truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.write(images.resolve("dogs/empty.png"), new byte[0]);
        Files.write(images.resolve("dogs/bomb.png"), TestImages.pngHeaderOnly(30000, 30000));

        Ingest.Totals totals;
        try (Ingest ingest = new Ingest(kafka.settings(), DECODER, false)) {
            totals = ingest.ingestAll(new DirectorySource(images), -1);
        }

        assertEquals(new Ingest.Totals(2, 4), totals);
        Map<String, ImageRecord> raw = KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_RAW, 2, Duration.ofSeconds(30))
                .stream().map(ConsumerRecord::value).filter(r -> r.getId().startsWith("dir-"))
                .collect(Collectors.toMap(ImageRecord::getId, Function.identity()));
        assertEquals(2, raw.size());
        assertEquals(0, raw.get("dir-cats_good.png").getLabel());
        assertEquals("png", raw.get("dir-cats_good.png").getFormat());
        assertEquals(40, raw.get("dir-cats_good.png").getWidth());
        assertEquals("jpeg", raw.get("dir-dogs_good.jpg").getFormat());

        Map<String, DeadLetter> letters = KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_DLQ, 4, Duration.ofSeconds(30))
                .stream().filter(r -> r.key().startsWith("dir-"))
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals(4, letters.size());
        assertEquals("UNSUPPORTED_FORMAT", letters.get("dir-dogs_corrupt.png").getErrorType());
        assertEquals("UNDECODABLE", letters.get("dir-dogs_truncated.png").getErrorType());
        assertEquals("EMPTY", letters.get("dir-dogs_empty.png").getErrorType());
        assertEquals("TOO_MANY_PIXELS", letters.get("dir-dogs_bomb.png").getErrorType());
        DeadLetter truncated = letters.get("dir-dogs_truncated.png");
        assertTrue(truncated.getReason().contains("truncated.png"), truncated.getReason());
        assertEquals(png.length / 2, truncated.getOriginalValue().remaining(), "the original bytes are kept");
    }

    @Test
    void fashionMnistEvaluationImagesCarryLabelsAndSplits() throws Exception {
        Path idx = IdxFixture.write(Files.createDirectories(dir.resolve("idx")), 20, 10);
        try (Ingest ingest = new Ingest(kafka.settings(), DECODER, true)) {
            Ingest.Totals totals = ingest.ingestAll(ImageSources.open("fashion-mnist:test",
                    new ImageSources.Options(idx, 0, 0, 28, true)), 7);
            assertEquals(new Ingest.Totals(7, 0), totals);
        }
        List<ImageRecord> eval = KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_EVAL, 7, Duration.ofSeconds(30))
                .stream().map(ConsumerRecord::value).toList();
        assertEquals(7, eval.size());
        assertTrue(eval.stream().allMatch(r -> r.getSplit() == Split.TEST && r.getLabel() != null && r.getChannels() == 1));
    }

    @Test
    void theHttpEndpointAcceptsRawAndMultipartBodiesAndRefusesTheRest() throws Exception {
        String token = "a-test-token-of-enough-length";
        byte[] png = TestImages.encode(TestImages.gradient(16, 16, BufferedImage.TYPE_INT_RGB), "png");
        HttpClient http = HttpClient.newHttpClient();
        try (Ingest ingest = new Ingest(kafka.settings(), DECODER, false);
             HttpIngestServer server = new HttpIngestServer(ingest, "127.0.0.1", 0, token, 1024 * 1024)) {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            ingest.bindTo(meters);
            URI url = URI.create("http://127.0.0.1:" + server.port() + "/images");

            HttpResponse<String> raw = http.send(HttpRequest.newBuilder(URI.create(url + "?id=http-raw&label=4"))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, raw.statusCode(), raw.body());
            assertTrue(raw.body().contains("\"id\":\"http-raw\""), raw.body());

            String boundary = "XyZ123";
            byte[] multipart = concat(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; "
                    + "filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), png,
                    ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
            HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(url + "?id=http-form"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(multipart)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, form.statusCode(), form.body());

            HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(url)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noToken.statusCode());

            HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(url)
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, tooLarge.statusCode());

            HttpResponse<String> broken = http.send(HttpRequest.newBuilder(URI.create(url + "?id=http-broken"))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(png, 40))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, broken.statusCode(), broken.body());
            assertTrue(broken.body().contains("dead-lettered"), broken.body());

            // A reply comes after Kafka's acknowledgement, so the operator's counters already show each image.
            assertEquals(2.0, meters.get("ingest.images.produced").tag("topic", "images.raw").functionCounter().count());
            assertEquals(1.0, meters.get("ingest.images.dead.lettered").functionCounter().count());
            assertTrue(ingest.health().up(), ingest.health().detail());
        }
        Map<String, ImageRecord> raw = KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_RAW, 2, Duration.ofSeconds(30))
                .stream().filter(r -> r.key().startsWith("http-"))
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals(List.of("http-form", "http-raw"), raw.keySet().stream().sorted().toList());
        assertEquals(4, raw.get("http-raw").getLabel());
        assertTrue(KafkaRoundTrip.consume(kafka.settings(), Topics.IMAGES_DLQ, 1, Duration.ofSeconds(30))
                .stream().anyMatch(r -> r.key().equals("http-broken")));
    }

    private static byte[] concat(byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
