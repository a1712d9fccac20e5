package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's memory: bounded per series, and a subscriber sees every record exactly once, in order. */
class DashboardStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DashboardState state(int pointsPerSeries, int images) {
        return new DashboardState(pointsPerSeries, images, JsonNodeFactory.instance.objectNode().put("kafkaBootstrap", "k:1"));
    }

    private static ObjectNode train(String run, long step) {
        return JsonNodeFactory.instance.objectNode().put("runId", run).put("step", step);
    }

    private static List<Long> steps(JsonNode series) {
        List<Long> steps = new ArrayList<>();
        series.forEach(r -> steps.add(r.get("step").asLong()));
        return steps;
    }

    @Test
    void eachSeriesKeepsItsNewestRecords() {
        DashboardState state = state(3, 2);
        for (long step = 1; step <= 5; step++) {
            state.addMetrics(MetricsStream.TRAIN, "ignored-key", train("a", step));
        }
        state.addMetrics(MetricsStream.TRAIN, "b", train("b", 1));
        JsonNode snapshot = state.snapshot();
        assertEquals(List.of(3L, 4L, 5L), steps(snapshot.get("train").get("a")));
        assertEquals(List.of(1L), steps(snapshot.get("train").get("b")));
        assertEquals(3, snapshot.get("info").get("pointsPerSeries").asInt());
        assertEquals("k:1", snapshot.get("info").get("kafkaBootstrap").asText());
    }

    @Test
    void theSeriesUpdatedLongestAgoIsDroppedWhenThereAreTooMany() {
        DashboardState state = state(10, 2);
        for (int i = 0; i < DashboardState.MAX_SERIES_PER_STREAM; i++) {
            state.addMetrics(MetricsStream.TRAIN, null, train("run-" + i, 1));
        }
        state.addMetrics(MetricsStream.TRAIN, null, train("run-0", 2)); // run-1 is now the stalest
        state.addMetrics(MetricsStream.TRAIN, null, train("run-new", 1));
        JsonNode train = state.snapshot().get("train");
        assertEquals(DashboardState.MAX_SERIES_PER_STREAM, train.size());
        assertTrue(train.has("run-0") && train.has("run-new"));
        assertFalse(train.has("run-1"));
    }

    @Test
    void tokenizerRecordsFallIntoSeriesByPhaseAndSource() {
        ObjectNode serving = JsonNodeFactory.instance.objectNode().put("phase", "serving").put("instance", "host-1")
                .put("tokenizerVersion", "tok-1");
        ObjectNode training = JsonNodeFactory.instance.objectNode().put("phase", "training").put("tokenizerVersion", "tok-2");
        assertEquals("serving host-1", MetricsStream.TOKENIZER.series("key", serving));
        assertEquals("training tok-2", MetricsStream.TOKENIZER.series("key", training));
        assertEquals("serving key", MetricsStream.TOKENIZER.series("key", JsonNodeFactory.instance.objectNode()));
    }

    @Test
    void aSubscriberGetsTheSnapshotAndThenEveryLaterRecordInOrder() throws Exception {
        DashboardState state = state(100, 2);
        state.addMetrics(MetricsStream.TRAIN, null, train("a", 1));
        Subscription subscription = state.subscribe(10);
        state.addMetrics(MetricsStream.TRAIN, null, train("a", 2));
        state.addMetrics(MetricsStream.EVAL, null, JsonNodeFactory.instance.objectNode().put("runId", "a").put("step", 2));
        state.addImage(JsonNodeFactory.instance.objectNode().put("id", "img-1"));

        Subscription.Event snapshot = subscription.next(Duration.ZERO);
        assertEquals(DashboardState.SNAPSHOT_EVENT, snapshot.name());
        assertEquals(List.of(1L), steps(JSON.readTree(snapshot.data()).get("train").get("a")));
        Subscription.Event second = subscription.next(Duration.ZERO);
        assertEquals("train", second.name());
        assertEquals("a", JSON.readTree(second.data()).get("series").asText());
        assertEquals(2, JSON.readTree(second.data()).get("record").get("step").asLong());
        assertEquals("eval", subscription.next(Duration.ZERO).name());
        assertEquals("img-1", JSON.readTree(subscription.next(Duration.ZERO).data()).get("id").asText());
        assertNull(subscription.next(Duration.ZERO));
        assertEquals(1, state.subscribers());
        state.unsubscribe(subscription);
        assertEquals(0, state.subscribers());
    }

    @Test
    void aSubscriberThatFallsBehindOverflowsInsteadOfHoldingAnEndlessBacklog() {
        DashboardState state = state(100, 2);
        Subscription subscription = state.subscribe(2); // the snapshot takes one place
        state.addMetrics(MetricsStream.TRAIN, null, train("a", 1));
        assertFalse(subscription.overflowed());
        state.addMetrics(MetricsStream.TRAIN, null, train("a", 2));
        assertTrue(subscription.overflowed());
    }

    @Test
    void onlyTheNewestImagesAreKept() {
        DashboardState state = state(100, 2);
        for (int i = 1; i <= 3; i++) {
            state.addImage(JsonNodeFactory.instance.objectNode().put("id", "img-" + i));
        }
        JsonNode images = state.snapshot().get("images");
        assertEquals(2, images.size());
        assertEquals("img-2", images.get(0).get("id").asText());
        assertEquals("img-3", images.get(1).get("id").asText());
    }
}
