package org.beitstream.app;

import org.beitstream.evaluator.EvalMetrics;
import org.beitstream.evaluator.Evaluator;
import org.beitstream.evaluator.EvaluatorConfig;
import org.beitstream.runtime.ops.Operations;
import org.beitstream.runtime.storage.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs the evaluator: every announced checkpoint scored once on images.eval. */
@Command(name = "evaluator", mixinStandardHelpOptions = true,
        description = {"Evaluate every checkpoint announced on 'checkpoints', once, on images.eval",
                "(data sets by source prefix: fashion-mnist, mosaic): linear probe and k-NN on",
                "concat(CLS, mean patch token), segmentation probe on patch tokens, each next to",
                "two references under the same probes and images: a random-initialisation baseline",
                "of the same architecture and the raw input pixels. Results go to metrics.eval,",
                "committed with the consumer offset in one transaction."})
final class EvaluatorCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Option(names = "--group-id", defaultValue = "beit-stream-evaluator",
            description = "Consumer group and transactional id; one evaluator per id (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--max-train", defaultValue = "10000",
            description = "Training images per data set at most (default: ${DEFAULT-VALUE}).")
    int maxTrain;

    @Option(names = "--max-test", defaultValue = "2000",
            description = "Test images per data set at most (default: ${DEFAULT-VALUE}).")
    int maxTest;

    @Option(names = "--once", description = "Evaluate the checkpoints announced so far, then exit (for scripts).")
    boolean once;

    EvaluatorConfig config() {
        EvaluatorConfig d = EvaluatorConfig.defaults();
        return new EvaluatorConfig(groupId, maxTrain, maxTest, d.batchSize(), d.linearProbe(), d.segmentationProbe(),
                d.knn(), d.baselineSeed());
    }

    @Override
    public Integer call() throws Exception {
        EvaluatorConfig config = config();
        try (Operations operations = ops.start("evaluator");
             ObjectStore store = new ObjectStore(connection.s3())) {
            Evaluator evaluator = new Evaluator(config, connection.kafka(), store, EvaluatorCommand::print,
                    operations.registry());
            operations.check("evaluation-loop", evaluator::health);
            CountDownLatch finished = new CountDownLatch(1);
            Thread stopOnSignal = new Thread(() -> {
                evaluator.requestStop();
                try {
                    finished.await(); // an evaluation in progress finishes and commits before the JVM exits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            try {
                int evaluated = evaluator.run(once);
                System.err.println("evaluator: " + evaluated + " checkpoint(s) evaluated");
                return 0;
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: nothing to remove
                }
            }
        }
    }

    private static void print(Evaluator.Outcome outcome) {
        if (outcome.published().isEmpty()) {
            System.err.println("evaluator: " + outcome.checkpoint() + " " + outcome.kind().name().toLowerCase(Locale.ROOT)
                    .replace('_', ' '));
            return;
        }
        for (EvalMetrics m : outcome.published()) {
            System.err.printf(Locale.ROOT, "evaluator: %s  %-13s %-28s %.4f%s  (%d train, %d test)%n",
                    outcome.checkpoint(), m.dataset(), m.metric().wireName(), m.value(),
                    m.reference() == null ? "" : " " + m.reference().wireName(),
                    m.trainSamples(), m.testSamples());
        }
    }
}
