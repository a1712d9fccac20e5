package org.beitstream.tokenizer.worker;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.beitstream.runtime.images.DecodedImage;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.InvalidImageException;
import org.beitstream.runtime.images.SquareImage;
import org.beitstream.schemas.DeadLetter;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.PayloadException;
import org.beitstream.schemas.PixelTensor;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Validates each raw image, prepares it for the tokenizer, and holds it in a changelogged store until a
 * batch is full or the oldest image has waited {@code maxLatency}; then one tokenizer forward serves the
 * whole batch. Because the pending images live in a store, they are part of the same Kafka transaction as
 * the input offsets and the outputs: a crash never loses or duplicates a buffered image.
 */
final class MicroBatchTokenizer implements Processor<byte[], byte[], String, byte[]> {
    static final String STORE = "pending-images";

    private final TokenizerFollower tokenizers;
    private final ImageDecoder decoder;
    private final int batchSize;
    private final Duration maxLatency;
    private final BatchListener listener;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Long, TokenizedImage> pending;
    private long nextSequence;
    private long pendingCount;
    private long oldestPendingNanos;

    MicroBatchTokenizer(TokenizerFollower tokenizers, ImageDecoder decoder, int batchSize, Duration maxLatency,
                        BatchListener listener) {
        this.tokenizers = tokenizers;
        this.decoder = decoder;
        this.batchSize = batchSize;
        this.maxLatency = maxLatency;
        this.listener = listener;
    }

    static StoreBuilder<KeyValueStore<Long, TokenizedImage>> storeBuilder() {
        // Pending images can be as large as the tokenizer's input; the changelog must carry them.
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(STORE), Serdes.Long(),
                        Topics.IMAGES_TOKENIZED.valueSerde())
                .withLoggingEnabled(Map.of("max.message.bytes", Integer.toString(Topics.MAX_MESSAGE_BYTES)));
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(STORE);
        // Images restored from the changelog after a crash are still pending: count them and go on numbering.
        try (KeyValueIterator<Long, TokenizedImage> all = pending.all()) {
            while (all.hasNext()) {
                nextSequence = all.next().key + 1;
                pendingCount++;
            }
        }
        oldestPendingNanos = System.nanoTime();
        long tick = Math.max(1, maxLatency.toMillis() / 4);
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (pendingCount > 0 && System.nanoTime() - oldestPendingNanos >= maxLatency.toNanos()) {
                flush();
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String id = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        ImageRecord image;
        try {
            image = Topics.IMAGES_RAW.valueSerde().deserializer().deserialize(Topics.IMAGES_RAW.name(), record.value());
            if (image == null) {
                throw new PayloadException(Topics.IMAGES_RAW.name(), "empty record value", null);
            }
        } catch (PayloadException e) {
            deadLetter(record, "BAD_SCHEMA", e.getMessage());
            return;
        }
        LoadedTokenizer tokenizer = tokenizers.current();
        try {
            byte[] data = new byte[image.getData().remaining()];
            image.getData().duplicate().get(data);
            DecodedImage decoded = decoder.decode(data, image.getFormat(), image.getWidth(), image.getHeight());
            byte[] chw = SquareImage.chw(decoded, tokenizer.imageSize(), tokenizer.channels());
            TokenizedImage prepared = TokenizedImage.newBuilder()
                    .setId(id == null ? image.getId() : id)
                    .setTokenizerVersion("")
                    .setGridHeight(0).setGridWidth(0).setTokens(List.of())
                    .setPixels(PixelTensor.newBuilder().setChannels(tokenizer.channels())
                            .setHeight(tokenizer.imageSize()).setWidth(tokenizer.imageSize())
                            .setData(ByteBuffer.wrap(chw)).build())
                    .setLabel(image.getLabel())
                    .setSource(image.getSource())
                    .setTimestamp(image.getTimestamp())
                    .build();
            if (pendingCount == 0) {
                oldestPendingNanos = System.nanoTime();
            }
            pending.put(nextSequence++, prepared);
            pendingCount++;
        } catch (InvalidImageException e) {
            deadLetter(record, e.kind().name(), e.getMessage());
            return;
        }
        if (pendingCount >= batchSize) {
            flush();
        }
    }

    /** Tokenizes every pending image with one version, forwards the results and clears them from the store. */
    private void flush() {
        List<Long> keys = new ArrayList<>();
        List<TokenizedImage> images = new ArrayList<>();
        try (KeyValueIterator<Long, TokenizedImage> all = pending.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                keys.add(entry.key);
                images.add(entry.value);
            }
        }
        if (images.isEmpty()) {
            pendingCount = 0;
            return;
        }
        long start = System.nanoTime();
        LoadedTokenizer tokenizer;
        Optional<long[][]> tokens;
        do {
            tokenizer = tokenizers.current();
            LoadedTokenizer version = tokenizer;
            tokens = tokenizer.tokens(images.stream().map(image -> pixelsFor(image, version)).toList());
        } while (tokens.isEmpty()); // retired while we prepared: take the new one
        long nanos = System.nanoTime() - start;

        int grid = tokenizer.gridSize();
        for (int i = 0; i < images.size(); i++) {
            TokenizedImage prepared = images.get(i);
            List<Integer> ids = new ArrayList<>(grid * grid);
            for (long t : tokens.get()[i]) {
                ids.add((int) t);
            }
            TokenizedImage out = TokenizedImage.newBuilder(prepared)
                    .setTokenizerVersion(tokenizer.version())
                    .setGridHeight(grid).setGridWidth(grid)
                    .setTokens(ids)
                    .setPixels(pixelTensor(pixelsFor(prepared, tokenizer), tokenizer))
                    .build();
            byte[] value = Topics.IMAGES_TOKENIZED.valueSerde().serializer().serialize(Topics.IMAGES_TOKENIZED.name(), out);
            context.forward(new Record<>(out.getId(), value, out.getTimestamp().toEpochMilli()),
                    TokenizerTopology.TOKENIZED_SINK);
            pending.delete(keys.get(i));
        }
        pendingCount = 0;
        listener.batchTokenized(tokenizer.version(), images.size(), nanos, tokens.get());
    }

    /** The pending pixels at the given version's input size (they differ only across a reload that changed it). */
    private static byte[] pixelsFor(TokenizedImage prepared, LoadedTokenizer tokenizer) {
        PixelTensor p = prepared.getPixels();
        byte[] chw = new byte[p.getData().remaining()];
        p.getData().duplicate().get(chw);
        if (p.getHeight() == tokenizer.imageSize() && p.getChannels() == tokenizer.channels()) {
            return chw;
        }
        byte[] hwc = new byte[chw.length];
        int plane = p.getHeight() * p.getWidth();
        for (int c = 0; c < p.getChannels(); c++) {
            for (int i = 0; i < plane; i++) {
                hwc[i * p.getChannels() + c] = chw[c * plane + i];
            }
        }
        return SquareImage.chw(new DecodedImage(p.getWidth(), p.getHeight(), p.getChannels(), hwc),
                tokenizer.imageSize(), tokenizer.channels());
    }

    private static PixelTensor pixelTensor(byte[] chw, LoadedTokenizer tokenizer) {
        return PixelTensor.newBuilder().setChannels(tokenizer.channels()).setHeight(tokenizer.imageSize())
                .setWidth(tokenizer.imageSize()).setData(ByteBuffer.wrap(chw)).build();
    }

    private void deadLetter(Record<byte[], byte[]> record, String errorType, String reason) {
        Optional<RecordMetadata> source = context.recordMetadata();
        DeadLetter letter = DeadLetter.newBuilder()
                .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setReason(reason)
                .setErrorType(errorType)
                .setSourceTopic(source.map(RecordMetadata::topic).orElse(null))
                .setSourcePartition(source.map(RecordMetadata::partition).orElse(null))
                .setSourceOffset(source.map(RecordMetadata::offset).orElse(null))
                .setService("tokenizer-worker")
                .setTimestamp(Instant.now())
                .build();
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        byte[] value = Topics.IMAGES_DLQ.valueSerde().serializer().serialize(Topics.IMAGES_DLQ.name(), letter);
        context.forward(new Record<>(key, value, record.timestamp()), TokenizerTopology.DLQ_SINK);
    }
}
