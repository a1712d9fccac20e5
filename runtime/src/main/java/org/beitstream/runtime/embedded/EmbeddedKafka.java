package org.beitstream.runtime.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.Topics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka cluster (KRaft, broker and controller in one process) running inside this
 * JVM on loopback ports. The data directory may be reused: a restarted broker keeps its topics,
 * offsets and transactions, as a production broker would.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path dataDir) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
    }

    /** Starts a broker on free loopback ports, storing its logs in {@code dataDir}. */
    public static EmbeddedKafka start(Path dataDir) throws IOException {
        return start(dataDir, 0);
    }

    /** Starts a broker whose client listener uses {@code port} (0 picks a free one). */
    public static EmbeddedKafka start(Path dataDir, int port) throws IOException {
        int brokerPort = port == 0 ? FreePort.pick() : port;
        int controllerPort = FreePort.pick();
        Path logDir = Files.createDirectories(dataDir.resolve("kafka-logs"));
        Properties props = brokerProperties(logDir, brokerPort, controllerPort);
        format(props, dataDir);

        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
        server.startup();
        EmbeddedKafka kafka = new EmbeddedKafka(server, "127.0.0.1:" + brokerPort, dataDir);
        kafka.awaitReady(Duration.ofSeconds(60));
        return kafka;
    }

    private static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                Map.entry("num.partitions", "1"),
                // One node: the internal topics cannot have more replicas, or exactly-once Streams hangs in REBALANCING.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("message.max.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024)),
                Map.entry("replica.fetch.max.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024)),
                // The cleaner's default 128 MiB buffer is sized for big clusters; compaction here is small.
                Map.entry("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024)),
                Map.entry("log.cleaner.threads", "1")));
        return props;
    }

    /** Formats the storage directory once; a directory formatted earlier is reused as it is. */
    private static void format(Properties props, Path dataDir) throws IOException {
        if (Files.exists(Path.of(props.getProperty("log.dirs")).resolve("meta.properties"))) {
            return; // formatted by an earlier start: its cluster id, topics and offsets stay
        }
        Path configFile = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            props.store(out, "embedded KRaft broker");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = StorageTool.execute(new String[] {"format",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", configFile.toString()},
                new PrintStream(log, true, StandardCharsets.UTF_8));
        if (status != 0) {
            throw new IOException("cannot format Kafka storage in " + dataDir + ": " + log.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            close();
            throw new IOException("embedded Kafka did not become ready within " + timeout, e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public KafkaSettings settings() {
        return KafkaSettings.of(bootstrapServers);
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
