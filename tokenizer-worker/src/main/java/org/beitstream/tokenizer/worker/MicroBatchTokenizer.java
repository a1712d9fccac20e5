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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Validates each raw image, prepares it (or each of its augmentation views) for the tokenizer, and holds it in
 * a changelogged store until a batch is full or the oldest image has waited {@code maxLatency}; then one
 * tokenizer forward serves the whole batch. Because the pending images live in a store, they are part of the same Kafka transaction as
 * the input offsets and the outputs: a crash never loses or duplicates a buffered image.
 *
 * <p>The forward runs on the tokenizer thread while this stream thread keeps consuming and preparing the
 * next batch, which is queued behind it, so the tokenizer goes from one batch to the next without waiting
 * for the first one's results to be produced. Results are forwarded, and their images deleted from the
 * store, only here on the stream thread, so a commit taken meanwhile still holds them as pending: the
 * overlap changes nothing for exactly-once.
 */
final class MicroBatchTokenizer implements Processor<byte[], byte[], String, byte[]> {
    static final String STORE = "pending-images";

    private final TokenizerFollower tokenizers;
    private final ImageDecoder decoder;
    private final int batchSize;
    private final Duration maxLatency;
    private final Views views;
    private final ExecutorService tokenizerThread;
    private final BatchListener listener;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<Long, TokenizedImage> pending;
    /** Images in the store not yet handed to the tokenizer thread, by arrival. */
    private final NavigableMap<Long, TokenizedImage> waiting = new TreeMap<>();
    /** Batches handed to the tokenizer thread and not yet forwarded, oldest first. */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private long nextSequence;
    private long oldestWaitingNanos;

    /** A batch on the tokenizer thread: its store keys, its images, and its result to come. */
    private record InFlight(List<Long> keys, List<TokenizedImage> images, Future<Tokenized> result) {}

    /** Tokens of a batch and the one version that produced them. */
    private record Tokenized(LoadedTokenizer tokenizer, long[][] tokens, long nanos) {}

    MicroBatchTokenizer(TokenizerFollower tokenizers, ImageDecoder decoder, int batchSize, Duration maxLatency,
                        Views views, ExecutorService tokenizerThread, BatchListener listener) {
        this.tokenizers = tokenizers;
        this.decoder = decoder;
        this.batchSize = batchSize;
        this.maxLatency = maxLatency;
        this.views = views;
        this.tokenizerThread = tokenizerThread;
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
        // Images restored from the changelog after a crash are still pending: they wait again, in order.
        try (KeyValueIterator<Long, TokenizedImage> all = pending.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                waiting.put(entry.key, entry.value);
                nextSequence = entry.key + 1;
            }
        }
        oldestWaitingNanos = System.nanoTime();
        long tick = Math.max(1, maxLatency.toMillis() / 4);
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> {
            forwardIfDone();
            if (!waiting.isEmpty() && System.nanoTime() - oldestWaitingNanos >= maxLatency.toNanos()
                    && inFlight.isEmpty()) {
                submitBatch();
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
            String imageId = id == null ? image.getId() : id;
            for (int view = 0; view < views.perImage(); view++) {
                SquareImage.Box box = views.box(imageId, view, decoded.width(), decoded.height());
                byte[] chw = SquareImage.chw(decoded, box, tokenizer.imageSize(), tokenizer.channels());
                TokenizedImage prepared = TokenizedImage.newBuilder()
                        .setId(views.id(imageId, view))
                        .setTokenizerVersion("")
                        .setGridHeight(0).setGridWidth(0).setTokens(List.of())
                        .setPixels(pixelTensor(chw, tokenizer))
                        .setLabel(image.getLabel())
                        .setSource(image.getSource())
                        .setTimestamp(image.getTimestamp())
                        .build();
                if (waiting.isEmpty()) {
                    oldestWaitingNanos = System.nanoTime();
                }
                pending.put(nextSequence, prepared);
                waiting.put(nextSequence++, prepared);
            }
        } catch (InvalidImageException e) {
            deadLetter(record, e.kind().name(), e.getMessage());
            return;
        }
        forwardIfDone();
        if (waiting.size() >= batchSize) {
            submitBatch();
        }
    }

    /**
     * Queues the oldest waiting images on the tokenizer thread, then forwards the batch before them once it is
     * done (back-pressure: at most two batches per task on the tokenizer thread).
     */
    private void submitBatch() {
        List<Long> keys = new ArrayList<>();
        List<TokenizedImage> images = new ArrayList<>();
        while (!waiting.isEmpty() && keys.size() < batchSize) {
            var entry = waiting.pollFirstEntry();
            keys.add(entry.getKey());
            images.add(entry.getValue());
        }
        oldestWaitingNanos = System.nanoTime();
        inFlight.addLast(new InFlight(keys, images, tokenizerThread.submit(() -> tokenize(images))));
        while (inFlight.size() > 1) {
            forward(inFlight.pollFirst());
        }
    }

    /** Runs on the tokenizer thread: one version for the whole batch. */
    private Tokenized tokenize(List<TokenizedImage> images) {
        long start = System.nanoTime();
        while (true) {
            LoadedTokenizer tokenizer = tokenizers.current();
            Optional<long[][]> tokens = tokenizer.tokens(images.stream().map(i -> pixelsFor(i, tokenizer)).toList());
            if (tokens.isPresent()) {
                return new Tokenized(tokenizer, tokens.get(), System.nanoTime() - start);
            }
            // Retired while we prepared: a new version has replaced it, unless the worker is closing.
            if (tokenizers.current() == tokenizer) {
                throw new IllegalStateException("tokenizer " + tokenizer.version() + " closed with the worker");
            }
        }
    }

    private void forwardIfDone() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().result().isDone()) {
            forward(inFlight.pollFirst());
        }
    }

    /** Forwards a batch's results, once they are there, then removes its images from the store, in one transaction. */
    private void forward(InFlight batch) {
        Tokenized result;
        try {
            result = batch.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while tokenizing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("tokenizer failed: " + e.getCause().getMessage(), e.getCause());
        }
        LoadedTokenizer tokenizer = result.tokenizer();
        int grid = tokenizer.gridSize();
        for (int i = 0; i < batch.images().size(); i++) {
            TokenizedImage prepared = batch.images().get(i);
            List<Integer> ids = new ArrayList<>(grid * grid);
            for (long t : result.tokens()[i]) {
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
            pending.delete(batch.keys().get(i));
        }
        listener.batchTokenized(tokenizer.version(), batch.images().size(), result.nanos(), result.tokens());
    }

    @Override
    public void close() {
        // Batches still on the tokenizer thread stay in the store: whoever owns this task next tokenizes them.
        inFlight.forEach(batch -> batch.result().cancel(false));
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
        listener.deadLettered(errorType);
    }
}
