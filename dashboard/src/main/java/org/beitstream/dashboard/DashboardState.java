package org.beitstream.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the page shows, bounded: the newest records of every series of every metrics topic, the newest tokenized
 * images, and the browsers subscribed to changes. A subscriber gets the snapshot and then every later update, taken
 * under one lock, so that no record falls between a page's history and its live updates.
 */
final class DashboardState {
    /** Series (runs, worker instances) kept per topic; a worker restart is a new instance, so they accumulate. */
    static final int MAX_SERIES_PER_STREAM = 64;
    static final String IMAGE_EVENT = "image";
    static final String SNAPSHOT_EVENT = "snapshot";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int pointsPerSeries;
    private final int recentImages;
    private final ObjectNode info;
    private final Map<MetricsStream, Map<String, ArrayDeque<JsonNode>>> series = new EnumMap<>(MetricsStream.class);
    private final ArrayDeque<JsonNode> images = new ArrayDeque<>();
    private final Set<Subscription> subscribers = new LinkedHashSet<>();

    /** @param info shown by the page as it is (where the data comes from) */
    DashboardState(int pointsPerSeries, int recentImages, ObjectNode info) {
        this.pointsPerSeries = pointsPerSeries;
        this.recentImages = recentImages;
        this.info = info.deepCopy();
        this.info.put("pointsPerSeries", pointsPerSeries).put("recentImages", recentImages);
        for (MetricsStream stream : MetricsStream.values()) {
            // Access order: the series updated longest ago is the one dropped when there are too many.
            series.put(stream, new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<JsonNode>> eldest) {
                    return size() > MAX_SERIES_PER_STREAM;
                }
            });
        }
    }

    synchronized void addMetrics(MetricsStream stream, String recordKey, JsonNode record) {
        String key = stream.series(recordKey, record);
        ArrayDeque<JsonNode> points = series.get(stream).computeIfAbsent(key, k -> new ArrayDeque<>());
        keepAtMost(points, pointsPerSeries - 1);
        points.addLast(record);
        ObjectNode update = JSON.createObjectNode().put("series", key);
        update.set("record", record);
        publish(new Subscription.Event(stream.event(), write(update)));
    }

    synchronized void addImage(JsonNode image) {
        keepAtMost(images, recentImages - 1);
        images.addLast(image);
        publish(new Subscription.Event(IMAGE_EVENT, write(image)));
    }

    synchronized ObjectNode snapshot() {
        ObjectNode snapshot = JSON.createObjectNode();
        snapshot.set("info", info);
        series.forEach((stream, byKey) -> {
            ObjectNode part = snapshot.putObject(stream.event());
            byKey.forEach((key, points) -> part.putArray(key).addAll(points));
        });
        snapshot.putArray("images").addAll(images);
        return snapshot;
    }

    /** A new subscriber whose first event is the current snapshot. */
    synchronized Subscription subscribe(int capacity) {
        Subscription subscription = new Subscription(capacity);
        subscription.offer(new Subscription.Event(SNAPSHOT_EVENT, write(snapshot())));
        subscribers.add(subscription);
        return subscription;
    }

    synchronized void unsubscribe(Subscription subscription) {
        subscribers.remove(subscription);
    }

    synchronized int subscribers() {
        return subscribers.size();
    }

    private void publish(Subscription.Event event) {
        subscribers.forEach(s -> s.offer(event));
    }

    private static void keepAtMost(ArrayDeque<JsonNode> records, int count) {
        while (records.size() > count) {
            records.removeFirst();
        }
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree read from JSON always writes back
        }
    }
}
