package org.beitstream.app;

import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.config.S3Settings;
import org.beitstream.runtime.config.SettingException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Where Kafka and the object store are: flags, each defaulting to its environment variable. */
final class ConnectionOptions {
    @Option(names = "--kafka-bootstrap", defaultValue = "${env:KAFKA_BOOTSTRAP}",
            description = "Kafka bootstrap servers, host:port[,...] (env KAFKA_BOOTSTRAP).")
    String kafkaBootstrap;

    @Option(names = "--kafka-config", description = "A client properties file (security.protocol, sasl.*, ssl.*, ...).")
    Path kafkaConfig;

    @Option(names = "--kafka-property", description = "One client property, key=value; repeatable. "
            + "Env KAFKA_SECURITY_*, KAFKA_SASL_*, KAFKA_SSL_* are passed through too.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--s3-endpoint", defaultValue = "${env:S3_ENDPOINT}", description = "Object store URL (env S3_ENDPOINT).")
    String s3Endpoint;

    @Option(names = "--s3-access-key", defaultValue = "${env:S3_ACCESS_KEY}", description = "(env S3_ACCESS_KEY)")
    String s3AccessKey;

    @Option(names = "--s3-secret-key", defaultValue = "${env:S3_SECRET_KEY}", description = "(env S3_SECRET_KEY)")
    String s3SecretKey;

    @Option(names = "--s3-bucket", defaultValue = "${env:S3_BUCKET:-beit-stream}", description = "(env S3_BUCKET)")
    String s3Bucket;

    @Option(names = "--s3-region", defaultValue = "${env:S3_REGION:-us-east-1}", description = "(env S3_REGION)")
    String s3Region;

    /** Environment first, then the properties file, then individual flags: the most specific wins. */
    KafkaSettings kafka() {
        Map<String, String> props = new LinkedHashMap<>(KafkaSettings.clientPropertiesFromEnvironment(System.getenv()));
        if (kafkaConfig != null) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(kafkaConfig)) {
                file.load(in);
            } catch (IOException e) {
                throw new SettingException("--kafka-config", "cannot read " + kafkaConfig + ": " + e.getMessage());
            }
            file.forEach((k, v) -> props.put(k.toString(), v.toString()));
        }
        props.putAll(kafkaProperties);
        return new KafkaSettings(kafkaBootstrap, props);
    }

    S3Settings s3() {
        return new S3Settings(S3Settings.endpoint(s3Endpoint), s3AccessKey, s3SecretKey, s3Bucket, s3Region);
    }
}
