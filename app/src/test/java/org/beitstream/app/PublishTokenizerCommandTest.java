package org.beitstream.app;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.beitstream.model.testing.TorchScriptFixtures;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.schemas.Topics;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.beitstream.tokenizer.VersionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code publish-tokenizer} against a real broker and S3 server. */
class PublishTokenizerCommandTest {
    @TempDir
    Path dir;

    @Test
    void aTorchScriptFileIsPublishedAndAnnouncedWithTheGridItsProbeFound() throws Exception {
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "publish"));
             ObjectStore store = new ObjectStore(infra.s3())) {
            String[] command = {"publish-tokenizer", "--torchscript",
                    TorchScriptFixtures.file("vqkd-setA", dir).toString(), "--version", "beitv2-setA",
                    "--image-size", "32", "--channels", "3", "--vocab", "128",
                    "--kafka-bootstrap", infra.kafka().bootstrapServers(), "--s3-endpoint", infra.s3().endpoint().toString(),
                    "--s3-access-key", infra.s3().accessKey(), "--s3-secret-key", infra.s3().secretKey(),
                    "--s3-bucket", infra.s3().bucket()};
            assertEquals(0, BeitStream.commandLine().execute(command));

            List<ConsumerRecord<String, TokenizerAnnouncement>> announced = KafkaRoundTrip.consume(infra.kafka(),
                    Topics.TOKENIZERS, 1, Duration.ofSeconds(20));
            assertEquals(1, announced.size());
            TokenizerAnnouncement announcement = announced.get(0).value();
            assertEquals("beitv2-setA", announcement.getVersion());
            assertEquals(new VersionConfig.TorchScript(TorchScriptFixtures.SET_A), TokenizerRegistry.config(announcement));
            assertTrue(new TokenizerRegistry(store).isPublished("beitv2-setA"));

            // Versions are immutable: the same name again is refused.
            assertEquals(CommandLine.ExitCode.SOFTWARE, BeitStream.commandLine().execute(command));
        }
    }
}
