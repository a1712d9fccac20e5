package org.beitstream.app;

import ai.djl.ndarray.NDManager;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TestTokenizers;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker killed with SIGKILL mid-stream loses and repeats nothing: another instance takes over its
 * partitions from the last committed transaction, and read_committed consumers see every image once.
 */
class TokenizerWorkerFailoverTest {
    @TempDir
    Path dir;

    @Test
    void aKilledWorkersPartitionsAreFinishedByAnotherWithoutLossOrDuplicates() throws Exception {
        int count = 400;
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "failover"));
             ObjectStore store = new ObjectStore(infra.s3());
             NDManager manager = NDManager.newBaseManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.create(TestTokenizers.tiny(), manager, 5)) {
            TokenizerRegistry registry = new TokenizerRegistry(store);
            TokenizerRegistry.announce(infra.kafka(), registry.publish("failover-v1", TestTokenizers.tiny(),
                    tokenizer.stateDict()));
            Random random = new Random(9);
            List<ProducerRecord<String, ImageRecord>> images = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] pixels = new byte[28 * 28];
                random.nextBytes(pixels);
                ImageRecord image = ImageRecord.newBuilder().setId("f-" + i).setData(ByteBuffer.wrap(pixels))
                        .setFormat("raw-gray8").setWidth(28).setHeight(28).setChannels(1).setSource("test")
                        .setTimestamp(Instant.now()).build();
                images.add(new ProducerRecord<>(Topics.IMAGES_RAW.name(), image.getId(), image));
            }
            KafkaRoundTrip.produce(infra.kafka(), Topics.IMAGES_RAW, images);

            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP", infra.kafka().bootstrapServers(),
                    "S3_ENDPOINT", infra.s3().endpoint().toString(), "S3_ACCESS_KEY", infra.s3().accessKey(),
                    "S3_SECRET_KEY", infra.s3().secretKey(), "S3_BUCKET", infra.s3().bucket());
            // Small batches and a short session, so the kill lands mid-stream and the takeover is quick.
            String[] worker = {"tokenizer-worker", "--application-id", "failover-app", "--batch-size", "4",
                    "--max-latency-ms", "50", "--kafka-property", "session.timeout.ms=6000"};
            Process first = ChildProcess.start(env, dir.resolve("first.log"), with(worker, "--state-dir",
                    dir.resolve("state-first").toString()));
            List<ConsumerRecord<String, TokenizedImage>> early = KafkaRoundTrip.consume(infra.kafka(),
                    Topics.IMAGES_TOKENIZED, r -> true, 40, Duration.ofSeconds(120));
            assertTrue(early.size() >= 40, () -> "the first worker never got going: " + ChildProcess.output(dir.resolve("first.log")));
            first.destroyForcibly().waitFor();
            assertTrue(early.size() < count, "the kill must land mid-stream");

            Process second = ChildProcess.start(env, dir.resolve("second.log"), with(worker, "--state-dir",
                    dir.resolve("state-second").toString()));
            try {
                List<ConsumerRecord<String, TokenizedImage>> all = KafkaRoundTrip.consume(infra.kafka(),
                        Topics.IMAGES_TOKENIZED, r -> true, count, Duration.ofSeconds(180));
                List<String> ids = all.stream().map(ConsumerRecord::key).toList();
                assertEquals(count, ids.size(), () -> "expected every image exactly once; second worker said: "
                        + ChildProcess.output(dir.resolve("second.log")));
                assertEquals(IntStream.range(0, count).mapToObj(i -> "f-" + i).collect(Collectors.toSet()), Set.copyOf(ids));
            } finally {
                second.destroy();
                second.waitFor();
            }
        }
    }

    private static String[] with(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }
}
