package org.beitstream.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;

/** JSON values for the metrics topics, which dashboards read without any Avro tooling. */
public final class JsonSerde implements Serde<JsonNode> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Serializer<JsonNode> serializer() {
        return (topic, node) -> {
            if (node == null) {
                return null;
            }
            try {
                return JSON.writeValueAsBytes(node);
            } catch (IOException e) {
                throw new SerializationException("cannot write JSON for " + topic, e);
            }
        };
    }

    @Override
    public Deserializer<JsonNode> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new PayloadException(topic, "not JSON (" + e.getMessage() + ")", e);
            }
        };
    }
}
