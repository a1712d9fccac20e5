package org.beitstream.evaluator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.teacher.ImageNormalization;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The references' scores, computed once and kept in the object store (a published set: never seen half-written),
 * so every evaluator process shares them:
 * <ul>
 *   <li>a randomly initialised backbone, per architecture and evaluation, under
 *   {@code eval/baselines/<architecture hash>/<evaluation hash>/scores.json};</li>
 *   <li>the raw pixels, per input geometry (size, channels, patch size, normalisation: no weights, so every
 *   architecture that shares it shares the reference) and evaluation, under
 *   {@code eval/raw-pixels/<geometry hash>/<evaluation hash>/scores.json}.</li>
 * </ul>
 * The evaluation hash covers the data sets' content and the probes' settings, so a reference is only reused where
 * it is comparable.
 */
final class Baselines {
    private static final Logger LOG = LoggerFactory.getLogger(Baselines.class);
    private static final String SCORES = "scores.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Computes a reference's scores when they are not cached. */
    @FunctionalInterface
    interface Computation {
        List<Score> compute() throws IOException;
    }

    private final PublishedSets sets;

    Baselines(ObjectStore store) {
        this.sets = new PublishedSets(store);
    }

    private static String randomInitPrefix(BeitConfig architecture, EvaluatorConfig config,
                                           List<EvalDataset> datasets) {
        String seedAndBatches = "" + config.baselineSeed() + config.batchSize();
        return "eval/baselines/" + hash(JSON.valueToTree(architecture).toString()) + "/"
                + hash(probesAndData(config, datasets, seedAndBatches)) + "/";
    }

    private static String rawPixelsPrefix(BeitConfig architecture, EvaluatorConfig config,
                                          List<EvalDataset> datasets) {
        ImageNormalization n = architecture.inputNormalization();
        String geometry = architecture.imgSize() + "/" + architecture.inChans() + "/" + architecture.patchSize() + "/"
                + Arrays.toString(n.mean()) + Arrays.toString(n.std());
        return "eval/raw-pixels/" + hash(geometry) + "/" + hash(probesAndData(config, datasets, "")) + "/";
    }

    /** The random-initialisation baseline of {@code architecture}, computed by {@code computation} if not cached. */
    List<Score> randomInit(BeitConfig architecture, EvaluatorConfig config, List<EvalDataset> datasets,
                           Computation computation) throws IOException {
        return cached(Reference.RANDOM_INIT, randomInitPrefix(architecture, config, datasets), computation);
    }

    /** The raw-pixel reference for {@code architecture}'s input, computed by {@code computation} if not cached. */
    List<Score> rawPixels(BeitConfig architecture, EvaluatorConfig config, List<EvalDataset> datasets,
                          Computation computation) throws IOException {
        return cached(Reference.RAW_PIXELS, rawPixelsPrefix(architecture, config, datasets), computation);
    }

    private List<Score> cached(Reference reference, String prefix, Computation computation) throws IOException {
        Optional<PublishedSets.Manifest> cached = sets.read(prefix);
        if (cached.isPresent()) {
            return JSON.readValue(sets.readVerified(cached.get(), SCORES), new TypeReference<List<Score>>() { });
        }
        long start = System.nanoTime();
        List<Score> scores = computation.compute();
        sets.publish(prefix, List.of(PublishedSets.Part.of(SCORES, JSON.writeValueAsBytes(scores))), Map.of());
        LOG.info("{} reference computed in {} ms and stored under {}", reference.wireName(),
                (System.nanoTime() - start) / 1_000_000, prefix);
        return scores;
    }

    /**
     * The probes' settings, {@code extra} and the data sets' fingerprints, in the order the random-init key has
     * always used, so that baselines cached before the raw-pixel reference existed stay valid.
     */
    private static String probesAndData(EvaluatorConfig config, List<EvalDataset> datasets, String extra) {
        StringBuilder evaluation = new StringBuilder();
        evaluation.append(config.linearProbe()).append(config.segmentationProbe()).append(config.knn()).append(extra);
        datasets.forEach(d -> evaluation.append(d.fingerprint()));
        return evaluation.toString();
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
