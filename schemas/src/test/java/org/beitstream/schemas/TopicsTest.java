package org.beitstream.schemas;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicsTest {

    @Test
    void namesAreUnique() {
        Set<String> names = new HashSet<>();
        Topics.ALL.forEach(t -> assertTrue(names.add(t.name()), t.name()));
        assertEquals(9, names.size());
    }

    @Test
    void registriesOfStateAreCompactedAndStreamsAreNot() {
        assertTrue(Topics.TOKENIZERS.compacted());
        assertTrue(Topics.CHECKPOINTS.compacted());
        assertTrue(Topics.IMAGES_EVAL.compacted());
        assertFalse(Topics.IMAGES_RAW.compacted());
        assertFalse(Topics.IMAGES_TOKENIZED.compacted());
    }

    @Test
    void imageTopicsAcceptTheLargestImage() {
        for (Topic<?, ?> topic : java.util.List.of(Topics.IMAGES_RAW, Topics.IMAGES_EVAL, Topics.IMAGES_DLQ,
                Topics.IMAGES_TOKENIZED)) {
            int limit = Integer.parseInt(topic.configs().get("max.message.bytes"));
            assertTrue(limit > Topics.MAX_IMAGE_BYTES, topic.name());
        }
        int raw = Integer.parseInt(Topics.IMAGES_RAW.configs().get("max.message.bytes"));
        int dlq = Integer.parseInt(Topics.IMAGES_DLQ.configs().get("max.message.bytes"));
        assertTrue(dlq > raw, "a dead letter carries a whole raw record plus its reason");
    }
}
