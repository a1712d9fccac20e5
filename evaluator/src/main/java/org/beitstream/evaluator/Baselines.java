package org.beitstream.evaluator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scores of a randomly initialised backbone, computed once per architecture and evaluation and kept in the
 * object store, under {@code eval/baselines/<architecture hash>/<evaluation hash>/scores.json} (a published set:
 * never seen half-written). The evaluation hash covers the data sets' content and the probes' settings, so a
 * baseline is only reused where it is comparable; every evaluator process shares the cache.
 */
final class Baselines {
    private static final Logger LOG = LoggerFactory.getLogger(Baselines.class);
    private static final String SCORES = "scores.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Computes the baseline's scores when they are not cached. */
    @FunctionalInterface
    interface Computation {
        List<Score> compute() throws IOException;
    }

    private final PublishedSets sets;

    Baselines(ObjectStore store) {
        this.sets = new PublishedSets(store);
    }

    static String prefix(BeitConfig architecture, EvaluatorConfig config, List<EvalDataset> datasets) {
        StringBuilder evaluation = new StringBuilder();
        evaluation.append(config.linearProbe()).append(config.segmentationProbe()).append(config.knn())
                .append(config.baselineSeed()).append(config.batchSize());
        datasets.forEach(d -> evaluation.append(d.fingerprint()));
        return "eval/baselines/" + hash(JSON.valueToTree(architecture).toString()) + "/" + hash(evaluation.toString())
                + "/";
    }

    List<Score> scores(BeitConfig architecture, EvaluatorConfig config, List<EvalDataset> datasets,
                       Computation computation) throws IOException {
        String prefix = prefix(architecture, config, datasets);
        Optional<PublishedSets.Manifest> cached = sets.read(prefix);
        if (cached.isPresent()) {
            return JSON.readValue(sets.readVerified(cached.get(), SCORES), new TypeReference<List<Score>>() { });
        }
        List<Score> scores = computation.compute();
        sets.publish(prefix, List.of(PublishedSets.Part.of(SCORES, JSON.writeValueAsBytes(scores))), Map.of());
        LOG.info("random-initialisation baseline computed and stored under {}", prefix);
        return scores;
    }

    /** The first 16 hex digits of the SHA-256: short in keys, and collisions are not a concern at this scale. */
    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
