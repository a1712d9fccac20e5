package org.beitstream.tokenizer.training;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.ImageSources;
import org.beitstream.ingest.source.SourceImage;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.InvalidImageException;
import org.beitstream.runtime.images.SquareImage;
import org.beitstream.runtime.progress.Progress;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.Topics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * The training set of a tokenizer run, held in memory as the model's input: {@code C x side x side} bytes per
 * image. A tokenizer is trained for several epochs over a fixed set (as the authors train on ImageNet), so the
 * set is read once, from a source or from the images.raw topic, and then sampled in shuffled epochs.
 *
 * @param images  the prepared images
 * @param skipped records that could not be decoded (or not even parsed) and were left out
 */
public record TrainingImages(List<byte[]> images, long skipped) {
    private static final Duration POLL = Duration.ofMillis(500);

    /** Images become the model's input here: decoded, resized and centre-cropped, converted to its channels. */
    public record Preparation(ImageDecoder decoder, int side, int channels) {
        byte[] prepare(byte[] data, String format, int width, int height) throws InvalidImageException {
            return SquareImage.chw(decoder.decode(data, format, width, height), side, channels);
        }
    }

    public TrainingImages {
        images = List.copyOf(images);
    }

    /** Reads up to {@code limit} images (-1: all) from an ingest source spec. */
    public static TrainingImages fromSource(String spec, ImageSources.Options options, long limit,
                                            Preparation preparation) throws IOException {
        List<byte[]> images = new ArrayList<>();
        long skipped = 0;
        try (ImageSource source = ImageSources.open(spec, options);
             Progress progress = new Progress("reading " + spec, limit > 0 ? limit : source.size())) {
            while (source.hasNext() && (limit < 0 || images.size() < limit)) {
                SourceImage image = source.next();
                try {
                    images.add(preparation.prepare(image.data(), image.format(), image.width(), image.height()));
                } catch (InvalidImageException e) {
                    skipped++;
                }
                progress.step(1);
            }
        }
        return new TrainingImages(images, skipped);
    }

    /**
     * Reads images.raw from the beginning up to the end it has when reading starts (or until {@code limit}
     * images, -1: no limit). Records that do not parse or decode are counted and skipped: ingest dead-letters
     * bad input, but other producers may write to the topic too.
     */
    public static TrainingImages fromStream(KafkaSettings kafka, long limit, Preparation preparation) {
        Properties props = kafka.clientProperties("beit-stream-tokenizer-training");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        Deserializer<ImageRecord> values = Topics.IMAGES_RAW.valueSerde().deserializer();
        List<byte[]> images = new ArrayList<>();
        long skipped = 0;
        // No consumer group: this is a read of a snapshot of the topic, not a share of its stream.
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.IMAGES_RAW.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long available = end.values().stream().mapToLong(Long::longValue).sum();
            try (Progress progress = new Progress("reading " + Topics.IMAGES_RAW.name(),
                    limit > 0 ? Math.min(limit, available) : available)) {
                while ((limit < 0 || images.size() < limit) && !reachedEnd(consumer, end)) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        if (limit >= 0 && images.size() >= limit) {
                            break;
                        }
                        if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                            continue;
                        }
                        try {
                            ImageRecord image = values.deserialize(record.topic(), record.value());
                            images.add(preparation.prepare(bytes(image.getData()), image.getFormat(),
                                    image.getWidth(), image.getHeight()));
                        } catch (InvalidImageException | RuntimeException e) {
                            skipped++;
                        }
                        progress.step(1);
                    }
                }
            }
        }
        return new TrainingImages(images, skipped);
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    public int size() {
        return images.size();
    }

    /** Endless batches in shuffled epochs: every image once per epoch, the order reproducible from {@code seed}. */
    public Batches batches(int batchSize, long seed) {
        if (images.isEmpty()) {
            throw new IllegalStateException("no images to train on");
        }
        return new Batches(batchSize, new Random(seed));
    }

    /** Draws batches as the concatenated images, ready for {@code VqkdTrainingStep.step}. */
    public final class Batches {
        private final int batchSize;
        private final Random random;
        private final int[] order = new int[images.size()];
        private int position;

        private Batches(int batchSize, Random random) {
            this.batchSize = batchSize;
            this.random = random;
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            shuffle();
        }

        public byte[] next() {
            int imageBytes = images.get(0).length;
            byte[] batch = new byte[batchSize * imageBytes];
            for (int b = 0; b < batchSize; b++) {
                if (position == order.length) {
                    shuffle();
                }
                System.arraycopy(images.get(order[position++]), 0, batch, b * imageBytes, imageBytes);
            }
            return batch;
        }

        /** Fisher-Yates, starting a new epoch. */
        private void shuffle() {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            position = 0;
        }
    }
}
