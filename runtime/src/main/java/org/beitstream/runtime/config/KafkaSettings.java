package org.beitstream.runtime.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How to reach the Kafka cluster.
 *
 * @param bootstrapServers comma-separated host:port list ({@code KAFKA_BOOTSTRAP}, {@code --kafka-bootstrap})
 * @param clientProperties passed unchanged to every client: security (SASL/SSL) and tuning settings
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> clientProperties) {
    public static final String BOOTSTRAP_SETTING = "KAFKA_BOOTSTRAP (--kafka-bootstrap)";

    /** Environment prefixes passed through as client properties: KAFKA_SASL_MECHANISM -> sasl.mechanism. */
    private static final String[] PASSED_THROUGH_PREFIXES = {"KAFKA_SECURITY_", "KAFKA_SASL_", "KAFKA_SSL_"};

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new SettingException(BOOTSTRAP_SETTING, "is not set; give host:port[,host:port...]");
        }
        for (String server : bootstrapServers.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1 || !s.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                throw new SettingException(BOOTSTRAP_SETTING, "'" + s + "' is not host:port");
            }
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new SettingException(BOOTSTRAP_SETTING, "port " + port + " is out of range");
            }
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /** Security settings from the environment: {@code KAFKA_SASL_JAAS_CONFIG} becomes {@code sasl.jaas.config}. */
    public static Map<String, String> clientPropertiesFromEnvironment(Map<String, String> env) {
        Map<String, String> props = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            for (String prefix : PASSED_THROUGH_PREFIXES) {
                if (name.startsWith(prefix)) {
                    props.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
                }
            }
        });
        return props;
    }

    /** Properties every client starts from: bootstrap servers plus the passed-through settings. */
    public Properties clientProperties(String clientId) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrapServers);
        props.put("client.id", clientId);
        return props;
    }
}
