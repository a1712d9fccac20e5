package org.beitstream.app;

import org.beitstream.model.conformance.CheckResult;
import org.beitstream.model.conformance.ConformanceSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Checks the Java model against reference tensors produced by the authors' PyTorch code. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = {"Check the model tensor by tensor against the authors' reference vectors.",
                "DIR has the format of shared/oracle/setA. Exit 0 only if every check passes."})
final class ConformanceCommand implements Callable<Integer> {
    @Option(names = "--vectors", required = true, description = "Directory with MANIFEST.json and the tensors.")
    Path vectors;

    @Override
    public Integer call() throws Exception {
        List<CheckResult> results = ConformanceSuite.run(vectors);
        Map<String, List<CheckResult>> byGroup = new LinkedHashMap<>();
        results.forEach(r -> byGroup.computeIfAbsent(r.group(), g -> new java.util.ArrayList<>()).add(r));
        for (var group : byGroup.entrySet()) {
            List<CheckResult> checks = group.getValue();
            long passed = checks.stream().filter(CheckResult::passed).count();
            double worstAbs = checks.stream().mapToDouble(CheckResult::maxAbsError).max().orElse(0);
            double worstRel = checks.stream().mapToDouble(CheckResult::maxRelError).max().orElse(0);
            System.out.printf("%-32s %3d/%-3d passed   worst abs %.3e   worst rel %.3e%n",
                    group.getKey(), passed, checks.size(), worstAbs, worstRel);
            checks.stream().filter(c -> !c.passed()).forEach(c -> System.out.printf(
                    "    FAILED %s: abs %.3e rel %.3e > tolerance %.1e%n", c.name(), c.maxAbsError(), c.maxRelError(),
                    c.tolerance()));
        }
        long passed = results.stream().filter(CheckResult::passed).count();
        System.out.printf("conformance: %d/%d checks passed%n", passed, results.size());
        return !results.isEmpty() && passed == results.size() ? 0 : 1;
    }
}
