package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import org.beitstream.model.beit.PretrainingConformance;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pretraining model reproduces every output, trace, gradient and AdamW step of the authors' code on set A. */
class PretrainingConformanceTest {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainingConformanceTest.class);

    @Test
    void everyCheckOnSetAPasses() throws Exception {
        Path setA = OracleVectors.setA();
        PretrainingConformance group = new PretrainingConformance();
        assertTrue(group.appliesTo(setA));
        List<CheckResult> results;
        try (NDManager manager = NDManager.newBaseManager()) {
            results = group.run(setA, manager);
        }
        Map<String, CheckResult> worst = new TreeMap<>();
        for (CheckResult r : results) {
            worst.merge(r.group(), r, (a, b) -> a.maxRelError() >= b.maxRelError() ? a : b);
        }
        Map<String, Long> counts = results.stream().collect(Collectors.groupingBy(CheckResult::group, TreeMap::new,
                Collectors.counting()));
        worst.forEach((g, r) -> LOG.info("{} ({} checks): worst {} rel {} abs {}", g, counts.get(g), r.name(),
                r.maxRelError(), r.maxAbsError()));

        Set<String> groups = results.stream().map(CheckResult::group).collect(Collectors.toSet());
        for (String variant : List.of("pt_relpos", "pt_abspos", "pt_blockrel")) {
            for (String kind : List.of("outputs", "traces", "gradients", "float64", "weight_decay_groups")) {
                assertTrue(groups.contains(variant + "." + kind), "no checks in " + variant + "." + kind);
            }
        }
        assertTrue(groups.contains("pt_relpos.adamw"));
        assertTrue(results.size() > 300, "only " + results.size() + " checks ran");
        List<CheckResult> failed = results.stream().filter(r -> !r.passed())
                .sorted(Comparator.comparing(CheckResult::group)).toList();
        assertEquals(List.of(), failed);
    }

    @Test
    void theSuiteRunsThisGroup() throws Exception {
        List<CheckResult> results = ConformanceSuite.run(OracleVectors.setA());
        assertTrue(results.stream().anyMatch(r -> r.group().equals("pt_relpos.adamw")));
        assertTrue(results.stream().filter(r -> r.group().startsWith("pt_")).allMatch(CheckResult::passed));
    }
}
