package org.beitstream.schemas;

import org.apache.kafka.common.serialization.Serde;

import java.util.Map;

/**
 * A Kafka topic as the system uses it: its name, the serdes of its keys and values, and the settings
 * it is created with. Every service refers to topics through {@link Topics}, never by a string.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions,
                          Map<String, String> configs) {

    public Topic {
        configs = Map.copyOf(configs);
    }

    public boolean compacted() {
        return "compact".equals(configs.get("cleanup.policy"));
    }
}
