package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tokenizer-side conformance group on set A: masks, k-means, quantizer EMA, the whole VQ-KD. */
class TokenizerConformanceTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TokenizerConformanceTest.class);

    @Test
    void everyTokenizerCheckPassesOnSetA() throws Exception {
        Path setA = OracleVectors.setA();
        List<ConformanceGroup> groups = List.of(new MasksConformance(), new KMeansConformance(),
                new VqkdEmaConformance(), new VqkdConformance());
        List<CheckResult> results = new ArrayList<>();
        for (ConformanceGroup group : groups) {
            assertTrue(group.appliesTo(setA), group.getClass().getSimpleName() + " does not apply to " + setA);
            try (NDManager manager = NDManager.newBaseManager()) {
                results.addAll(group.run(setA, manager));
            }
        }
        List<CheckResult> failed = results.stream().filter(r -> !r.passed()).toList();
        assertTrue(failed.isEmpty(), "failed checks:\n" + failed.stream().map(CheckResult::toString)
                .collect(Collectors.joining("\n")));

        results.stream().collect(Collectors.groupingBy(TokenizerConformanceTest::family,
                        Collectors.maxBy(java.util.Comparator.comparingDouble(CheckResult::maxRelError))))
                .forEach((group, worst) -> LOG.info("{}: worst {}", group, worst.orElseThrow()));

        Map<String, Long> perGroup = results.stream()
                .collect(Collectors.groupingBy(TokenizerConformanceTest::family, Collectors.counting()));
        assertEquals(6, perGroup.get("masks"));
        assertEquals(2, perGroup.get("kmeans"));
        // Set A holds 13 out.* tensors, 59 grad.* tensors (every trainable tensor) and 8 ema.* tensors.
        assertEquals(13, perGroup.get("vqkd out"));
        assertEquals(59, perGroup.get("vqkd grad"));
        assertEquals(8, perGroup.get("vqkd ema"));
    }

    /** The group, split by tensor family for the vqkd group (out, grad, ema). */
    private static String family(CheckResult r) {
        return r.group().equals("vqkd") ? "vqkd " + r.name().substring(0, r.name().indexOf('.')) : r.group();
    }
}
