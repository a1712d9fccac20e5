package org.beitstream.evaluator;

import ai.djl.ndarray.NDManager;
import org.beitstream.evaluator.probe.LogisticRegression;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;
import org.beitstream.evaluator.probe.SegmentationProbe;
import org.beitstream.evaluator.probe.SegmentationScores;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores what the probes see ({@link ProbeInputs}: a frozen backbone's features, or the raw pixels) on every
 * evaluation set: classification sets by the linear probe and k-NN on the per-image rows, segmentation sets by the
 * linear per-patch probe (mIoU, pixel accuracy).
 */
final class BackboneEvaluation {
    private final EvaluatorConfig config;

    BackboneEvaluation(EvaluatorConfig config) {
        this.config = config;
    }

    List<Score> score(ProbeInputs features, List<PreparedDataset> datasets, NDManager manager) {
        List<Score> scores = new ArrayList<>();
        for (PreparedDataset data : datasets) {
            String name = data.source().name();
            int train = data.trainImages().size();
            int test = data.testImages().size();
            int classes = data.source().classes();
            if (data.source().segmentation()) {
                PatchFeatures trainTokens = features.perPatch(data.trainImages(), manager);
                PatchFeatures testTokens = features.perPatch(data.testImages(), manager);
                SegmentationScores result = SegmentationProbe.fit(trainTokens, data.trainMasks(), classes,
                        config.segmentationProbe(), manager).score(testTokens, data.testMasks(), manager);
                scores.add(new Score(Metric.SEGMENTATION_MIOU, name, result.meanIoU(), train, test));
                scores.add(new Score(Metric.SEGMENTATION_PIXEL_ACCURACY, name, result.pixelAccuracy(), train, test));
            } else {
                Matrix trainFeatures = features.perImage(data.trainImages(), manager);
                Matrix testFeatures = features.perImage(data.testImages(), manager);
                double probe = LogisticRegression.fit(trainFeatures, data.trainLabels(), classes, config.linearProbe(),
                        manager).accuracy(testFeatures, data.testLabels(), manager);
                double knn = config.knn().accuracy(trainFeatures, data.trainLabels(), classes, testFeatures,
                        data.testLabels(), manager);
                scores.add(new Score(Metric.LINEAR_PROBE_ACCURACY, name, probe, train, test));
                scores.add(new Score(Metric.KNN_ACCURACY, name, knn, train, test));
            }
        }
        return scores;
    }
}
