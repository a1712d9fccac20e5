package org.beitstream.evaluator;

import org.beitstream.evaluator.probe.KnnClassifier;
import org.beitstream.evaluator.probe.ProbeSettings;
import org.beitstream.runtime.config.SettingException;

/**
 * How the evaluator evaluates. Every invalid value is rejected naming its command-line flag.
 *
 * @param groupId           consumer group on the checkpoints topic, and the transactional id that fences a
 *                          second evaluator of the same group
 * @param maxTrain          training images per data set at most (a fixed sample of the set)
 * @param maxTest           test images per data set at most
 * @param batchSize         images per backbone forward pass
 * @param linearProbe       the classification probe's training
 * @param segmentationProbe the segmentation probe's training
 * @param knn               the k-NN evaluation
 * @param baselineSeed      the random initialisation of the baseline backbones
 */
public record EvaluatorConfig(String groupId, int maxTrain, int maxTest, int batchSize, ProbeSettings linearProbe,
                              ProbeSettings segmentationProbe, KnnClassifier knn, long baselineSeed) {
    public EvaluatorConfig {
        if (groupId == null || groupId.isBlank()) {
            throw new SettingException("--group-id", "must not be blank");
        }
        if (maxTrain < 1) {
            throw new SettingException("--max-train", "must be >= 1, got " + maxTrain);
        }
        if (maxTest < 1) {
            throw new SettingException("--max-test", "must be >= 1, got " + maxTest);
        }
        if (batchSize < 1) {
            throw new SettingException("--batch-size", "must be >= 1, got " + batchSize);
        }
    }

    /**
     * 10,000 training and 2,000 test images per set (seconds per checkpoint for the Fashion-MNIST presets on a
     * CPU); both probes by 200 full-batch Adam steps at 0.05 with L2 1e-4; k-NN as DINO (k 20, temperature 0.07).
     */
    public static EvaluatorConfig defaults() {
        ProbeSettings probe = new ProbeSettings(200, 0.05, 1e-4);
        return new EvaluatorConfig("beit-stream-evaluator", 10_000, 2_000, 256, probe, probe,
                new KnnClassifier(20, 0.07), 0);
    }

    public EvaluatorConfig withLimits(int maxTrain, int maxTest) {
        return new EvaluatorConfig(groupId, maxTrain, maxTest, batchSize, linearProbe, segmentationProbe, knn,
                baselineSeed);
    }
}
