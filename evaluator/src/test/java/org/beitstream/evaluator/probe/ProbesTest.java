package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probes' maths on data whose answer is known. */
class ProbesTest {
    private static final ProbeSettings SETTINGS = new ProbeSettings(200, 0.05, 1e-4);
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * Four classes around four well-separated centres in 16 dimensions, with a large constant offset and very
     * different feature scales (what standardisation is for).
     */
    private static Matrix clusters(int[] labels, long seed) {
        Random random = new Random(seed);
        int d = 16;
        float[] data = new float[labels.length * d];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
            for (int c = 0; c < d; c++) {
                double centre = c % 4 == labels[i] ? 3 : 0;
                data[i * d + c] = (float) ((centre + 0.5 * random.nextGaussian()) * (1 + c) + 100);
            }
        }
        return new Matrix(data, labels.length, d);
    }

    @Test
    void logisticRegressionSeparatesLinearlySeparableClasses() {
        int[] trainLabels = new int[400];
        int[] testLabels = new int[200];
        Matrix train = clusters(trainLabels, 1);
        Matrix test = clusters(testLabels, 2);
        LogisticRegression probe = LogisticRegression.fit(train, trainLabels, 4, SETTINGS, manager);
        assertEquals(1.0, probe.accuracy(train, trainLabels, manager), 1e-9);
        assertTrue(probe.accuracy(test, testLabels, manager) >= 0.99);
        LogisticRegression again = LogisticRegression.fit(train, trainLabels, 4, SETTINGS, manager);
        assertArrayEquals(probe.predict(test, manager), again.predict(test, manager), "deterministic");
    }

    @Test
    void logisticRegressionCannotSeparateRandomLabels() {
        int[] labels = new int[400];
        Matrix x = clusters(labels, 3);
        int[] shuffled = new int[labels.length];
        Random random = new Random(4);
        for (int i = 0; i < labels.length; i++) {
            shuffled[i] = random.nextInt(4);
        }
        int[] testLabels = new int[400];
        Matrix test = clusters(testLabels, 5);
        for (int i = 0; i < testLabels.length; i++) {
            testLabels[i] = random.nextInt(4);
        }
        double accuracy = LogisticRegression.fit(x, shuffled, 4, SETTINGS, manager).accuracy(test, testLabels, manager);
        assertTrue(accuracy < 0.4, "chance is 0.25, got " + accuracy);
    }

    @Test
    void knnVotesByCosineSimilarity() {
        int[] trainLabels = new int[400];
        int[] testLabels = new int[200];
        Matrix train = clusters(trainLabels, 6);
        Matrix test = clusters(testLabels, 7);
        // Cosine on raw features: the +100 offset makes every row nearly parallel; centred features separate.
        Standardizer centre = Standardizer.fit(train);
        double accuracy = new KnnClassifier(20, 0.07).accuracy(centre.apply(train), trainLabels, 4,
                centre.apply(test), testLabels, manager);
        assertTrue(accuracy >= 0.99, "got " + accuracy);
    }

    @Test
    void bilinearUpsamplingMatchesPyTorchWithoutAlignedCorners() {
        try (NDManager m = manager.newSubManager()) {
            // F.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=4, mode="bilinear", align_corners=False)
            NDArray up = new BilinearUpsampling(2, 4).apply(m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2)));
            assertArrayEquals(new float[] {
                    1.0f, 1.25f, 1.75f, 2.0f,
                    1.5f, 1.75f, 2.25f, 2.5f,
                    2.5f, 2.75f, 3.25f, 3.5f,
                    3.0f, 3.25f, 3.75f, 4.0f}, up.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void bilinearBackwardIsTheTransposeOfTheForward() {
        try (NDManager m = manager.newSubManager()) {
            BilinearUpsampling upsampling = new BilinearUpsampling(3, 7);
            NDArray x = m.randomNormal(new Shape(2, 3, 3));
            NDArray g = m.randomNormal(new Shape(2, 7, 7));
            // <U x Uᵀ, g> = <x, Uᵀ g U> for every x and g.
            float left = upsampling.apply(x).mul(g).sum().getFloat();
            float right = x.mul(upsampling.backward(g)).sum().getFloat();
            assertEquals(left, right, 1e-4);
        }
    }

    @Test
    void meanIoUSkipsClassesAbsentFromTruthAndPrediction() {
        SegmentationScores scores = new SegmentationScores(4);
        // truth:     0 0 1 1 1 2      (class 3 appears nowhere)
        // predicted: 0 1 1 1 2 2
        scores.add(new byte[] {0, 1, 1, 1, 2, 2}, new byte[] {0, 0, 1, 1, 1, 2});
        // IoU0 = 1/2, IoU1 = 2/4, IoU2 = 1/2; class 3 is 0/0 and skipped: mean 0.5, not 0.375.
        assertEquals(0.5, scores.meanIoU(), 1e-12);
        assertEquals(4 / 6.0, scores.pixelAccuracy(), 1e-12);

        SegmentationScores onlyPredicted = new SegmentationScores(3);
        onlyPredicted.add(new byte[] {0, 2}, new byte[] {0, 0});
        // class 2 is predicted but absent from the truth: it counts, with IoU 0. IoU0 = 1/2.
        assertEquals((0.5 + 0) / 2, onlyPredicted.meanIoU(), 1e-12);
    }

    @Test
    void segmentationProbeLearnsClassesCarriedByPatchTokens() {
        int grid = 4;
        int side = 8;
        int images = 40;
        int dim = 6;
        int classes = 3;
        Random random = new Random(8);
        float[] tokens = new float[images * grid * grid * dim];
        byte[] masks = new byte[images * side * side];
        for (int i = 0; i < images; i++) {
            byte[] patchClass = new byte[grid * grid];
            for (int p = 0; p < grid * grid; p++) {
                patchClass[p] = (byte) random.nextInt(classes);
                for (int c = 0; c < dim; c++) {
                    tokens[(i * grid * grid + p) * dim + c] = (float) ((c == patchClass[p] ? 2 : 0)
                            + 0.1 * random.nextGaussian());
                }
            }
            for (int y = 0; y < side; y++) { // each patch covers 2x2 pixels
                for (int x = 0; x < side; x++) {
                    masks[i * side * side + y * side + x] = patchClass[(y / 2) * grid + x / 2];
                }
            }
        }
        int trainImages = 30;
        int trainRows = trainImages * grid * grid;
        PatchFeatures train = new PatchFeatures(new Matrix(java.util.Arrays.copyOf(tokens, trainRows * dim),
                trainRows, dim), trainImages, grid);
        PatchFeatures test = new PatchFeatures(new Matrix(java.util.Arrays.copyOfRange(tokens, trainRows * dim,
                tokens.length), (images - trainImages) * grid * grid, dim), images - trainImages, grid);
        byte[] trainMasks = java.util.Arrays.copyOf(masks, trainImages * side * side);
        byte[] testMasks = java.util.Arrays.copyOfRange(masks, trainImages * side * side, masks.length);

        SegmentationProbe probe = SegmentationProbe.fit(train, new PixelLabels(trainMasks, trainImages, side), classes,
                SETTINGS, manager);
        SegmentationScores scores = probe.score(test, new PixelLabels(testMasks, images - trainImages, side), manager);
        // Bilinear upsampling blurs class borders between patches: most pixels, not all, can be right.
        assertTrue(scores.pixelAccuracy() > 0.75, "pixel accuracy " + scores.pixelAccuracy());
        assertTrue(scores.meanIoU() > 0.6, "mIoU " + scores.meanIoU());
    }
}
