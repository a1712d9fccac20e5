package org.beitstream.tokenizer.worker;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.schemas.Topics;

import java.time.Duration;
import java.util.concurrent.ExecutorService;

/** The worker's topology, in one place: images.raw -> micro-batched tokenizer -> images.tokenized / images.dlq. */
public final class TokenizerTopology {
    static final String SOURCE = "raw-images";
    static final String TOKENIZER = "micro-batch-tokenizer";
    static final String TOKENIZED_SINK = "tokenized-images";
    static final String DLQ_SINK = "dead-letters";

    private TokenizerTopology() {}

    static Topology build(TokenizerFollower tokenizers, ImageDecoder decoder, int batchSize, Duration maxLatency,
                          Views views, ExecutorService tokenizerThread, BatchListener listener) {
        Topology topology = new Topology();
        // Raw bytes in: a record that is not a valid ImageRecord is dead-lettered, never fatal.
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.IMAGES_RAW.name());
        topology.addProcessor(TOKENIZER,
                () -> new MicroBatchTokenizer(tokenizers, decoder, batchSize, maxLatency, views, tokenizerThread,
                        listener),
                SOURCE);
        topology.addStateStore(MicroBatchTokenizer.storeBuilder(), TOKENIZER);
        topology.addSink(TOKENIZED_SINK, Topics.IMAGES_TOKENIZED.name(), new StringSerializer(), new ByteArraySerializer(),
                TOKENIZER);
        topology.addSink(DLQ_SINK, Topics.IMAGES_DLQ.name(), new StringSerializer(), new ByteArraySerializer(), TOKENIZER);
        return topology;
    }
}
