package org.beitstream.evaluator;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.Split;
import org.beitstream.schemas.Topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evaluation set as images.eval holds it: the topic is compacted by image id, so reading it from the start
 * and keeping the newest value per id (a null value deletes the id) gives the whole current set. Read fully at
 * start and brought up to date before each evaluation, so images added meanwhile are evaluated too.
 */
final class EvalImages implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, ImageRecord> consumer;
    private final List<TopicPartition> partitions;
    private final Map<String, ImageRecord> byId = new TreeMap<>();

    EvalImages(KafkaSettings kafka) {
        var props = kafka.clientProperties("beit-stream-evaluator-images");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_MESSAGE_BYTES));
        this.consumer = new KafkaConsumer<>(props, Topics.IMAGES_EVAL.keySerde().deserializer(),
                Topics.IMAGES_EVAL.valueSerde().deserializer());
        this.partitions = consumer.partitionsFor(Topics.IMAGES_EVAL.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads every record written since the last call, up to the topic's end as of now. */
    void refresh() {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            for (ConsumerRecord<String, ImageRecord> record : consumer.poll(POLL)) {
                if (record.value() == null) {
                    byId.remove(record.key());
                } else {
                    byId.put(record.key(), record.value());
                }
            }
        }
    }

    int size() {
        return byId.size();
    }

    /**
     * The current images grouped into data sets by source prefix ({@code fashion-mnist}, {@code mosaic}), each part
     * capped at {@code maxTrain} / {@code maxTest} images. A capped part is a fixed pseudo-random sample (by a hash
     * of the id), so every checkpoint and the baseline are scored on the same images. Images without a label (or
     * mask) or a TRAIN/TEST split are not evaluation data; sets lacking either part are left out.
     */
    List<EvalDataset> datasets(int maxTrain, int maxTest) {
        Map<String, List<ImageRecord>> bySource = new TreeMap<>();
        for (ImageRecord image : byId.values()) {
            int colon = image.getSource().indexOf(':');
            String name = colon > 0 ? image.getSource().substring(0, colon) : image.getSource();
            bySource.computeIfAbsent(name, n -> new ArrayList<>()).add(image);
        }
        List<EvalDataset> datasets = new ArrayList<>();
        bySource.forEach((name, images) -> {
            // A set whose images carry masks is a segmentation set; its labels (the largest object) are not used.
            boolean segmentation = images.stream().allMatch(i -> i.getSegmentation() != null);
            List<ImageRecord> usable = images.stream()
                    .filter(i -> segmentation || i.getLabel() != null)
                    .sorted(SAMPLE_ORDER).toList();
            List<ImageRecord> train = part(usable, Split.TRAIN, maxTrain);
            List<ImageRecord> test = part(usable, Split.TEST, maxTest);
            if (!train.isEmpty() && !test.isEmpty()) {
                int classes = usable.stream().mapToInt(i -> segmentation ? i.getSegmentation().getNumClasses()
                        : i.getLabel() + 1).max().orElseThrow();
                datasets.add(new EvalDataset(name, segmentation, classes, train, test));
            }
        });
        return datasets;
    }

    /** A pseudo-random order that depends only on the ids (String.hashCode is specified, so stable across JVMs). */
    private static final Comparator<ImageRecord> SAMPLE_ORDER = Comparator
            .comparingLong((ImageRecord i) -> mix(i.getId().hashCode()))
            .thenComparing(ImageRecord::getId);

    private static long mix(long z) { // SplittableRandom's finaliser: neighbouring ids land far apart
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static List<ImageRecord> part(List<ImageRecord> images, Split split, int max) {
        return images.stream().filter(i -> i.getSplit() == split).limit(max).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
