package org.beitstream.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.schemas.Topics;
import org.beitstream.schemas.CheckpointLayout;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything besides tensors that a resumed run needs ({@code state.json} of a checkpoint).
 *
 * @param runId            the run
 * @param step             training iterations done, skipped ones included (the schedule's position)
 * @param optimizerSteps   AdamW updates done (its bias correction)
 * @param tokenizerVersion the version every trained token came from; a resumed run stays pinned to it
 * @param offsets          per partition of images.tokenized, the next offset to read
 * @param seed             the run's seed; with {@code step} (the next batch index) it fixes every later mask and
 *                         replay draw (see {@link Seeds})
 * @param loss             the loss of the step before the checkpoint (always finite)
 * @param model            the architecture of the stored weights
 * @param config           the training configuration that wrote the checkpoint
 * @param createdAt        when the snapshot was taken
 */
record CheckpointState(String runId, long step, long optimizerSteps, String tokenizerVersion,
                       Map<Integer, Long> offsets, long seed, double loss, BeitConfig model, JsonNode config,
                       Instant createdAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    CheckpointState {
        offsets = Map.copyOf(offsets);
    }

    byte[] toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode()
                .put("runId", runId)
                .put("step", step)
                .put("optimizerSteps", optimizerSteps)
                .put("tokenizerVersion", tokenizerVersion)
                .put("loss", loss)
                .put("createdAt", createdAt.toString());
        var partitions = root.putArray("offsets");
        new TreeMap<>(offsets).forEach((partition, offset) -> partitions.addObject()
                .put("topic", Topics.IMAGES_TOKENIZED.name()).put("partition", partition).put("offset", offset));
        root.putObject("rng")
                .put("scheme", "per batch: SplittableRandom(mix(seed, stream, batch index)), streams MASKS and REPLAY")
                .put("seed", seed)
                .put("nextBatchIndex", step);
        root.set(CheckpointLayout.STATE_MODEL_FIELD, JSON.valueToTree(model));
        root.set("config", config);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    static CheckpointState fromJson(byte[] bytes) throws IOException {
        JsonNode root = JSON.readTree(bytes);
        Map<Integer, Long> offsets = new TreeMap<>();
        for (JsonNode partition : root.path("offsets")) {
            offsets.put(partition.get("partition").asInt(), partition.get("offset").asLong());
        }
        return new CheckpointState(root.get("runId").asText(), root.get("step").asLong(),
                root.get("optimizerSteps").asLong(), root.get("tokenizerVersion").asText(), offsets,
                root.path("rng").get("seed").asLong(), root.get("loss").asDouble(),
                JSON.treeToValue(root.get(CheckpointLayout.STATE_MODEL_FIELD), BeitConfig.class), root.get("config"),
                Instant.parse(root.get("createdAt").asText()));
    }
}
