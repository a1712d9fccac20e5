package org.beitstream.evaluator;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.schemas.SegmentationMask;
import org.beitstream.trainer.SyntheticImages;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the probes are fed: the backbone's tokens pooled as BEiT's linear evaluation does, the raw pixels of the
 * model input for the reference, and resized masks.
 */
class FeaturesTest {
    private static final BeitConfig TINY = SyntheticImages.TINY; // 8x8 grey, 4x4 grid, width 16

    @Test
    void featuresAreClsWithMeanPatchTokenAndThePatchTokensOfTheBackboneInBatchesOfAnySize() {
        List<byte[]> images = randomImages(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitPretrainingModel model = BeitPretrainingModel.create(TINY, manager, 1);
            // Batches of 2 (2 + 2 + 1) must give what one pass over all five gives.
            Matrix pooled = new FeatureExtractor(model, 2).perImage(images, manager);
            PatchFeatures patches = new FeatureExtractor(model, 2).perPatch(images, manager);

            float[] input = new float[5 * 64];
            for (int i = 0; i < 5; i++) {
                for (int p = 0; p < 64; p++) {
                    input[i * 64 + p] = greyInput(images.get(i)[p]);
                }
            }
            NDArray tokens = model.encode(manager.create(input, new Shape(5, 1, 8, 8)));
            int d = TINY.embedDim();
            assertEquals(2 * d, pooled.columns());
            assertEquals(5, pooled.rows());
            float[] cls = tokens.get(":, 0").toFloatArray();
            float[] mean = tokens.get(":, 1:").mean(new int[] {1}).toFloatArray();
            float[] patchTokens = tokens.get(":, 1:").toFloatArray();
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < d; c++) {
                    assertEquals(cls[i * d + c], pooled.get(i, c), 1e-5);
                    assertEquals(mean[i * d + c], pooled.get(i, d + c), 1e-5);
                }
            }
            assertEquals(TINY.gridSize(), patches.grid());
            assertArrayEquals(patchTokens, patches.tokens().data(), 1e-5f);
        }
    }

    @Test
    void rawPixelsAreTheNormalisedInputPerImageAndEachPatchsPixelsInTheGridOrderOfTheTokens() {
        List<byte[]> images = randomImages(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            // Batches of 2 (2 + 1), as the backbone's features.
            Matrix perImage = new RawPixels(TINY, 2).perImage(images, manager);
            PatchFeatures perPatch = new RawPixels(TINY, 2).perPatch(images, manager);

            assertEquals(3, perImage.rows());
            assertEquals(64, perImage.columns());
            assertEquals(TINY.gridSize(), perPatch.grid());
            assertEquals(3 * 16, perPatch.tokens().rows());
            assertEquals(4, perPatch.tokens().columns()); // 2x2 pixels of one grey channel
            for (int i = 0; i < 3; i++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        float expected = greyInput(images.get(i)[y * 8 + x]);
                        assertEquals(expected, perImage.get(i, y * 8 + x), 1e-6);
                        // Patch (y / 2, x / 2) of a 4x4 grid, pixel (y % 2, x % 2) within it.
                        int patch = i * 16 + (y / 2) * 4 + x / 2;
                        assertEquals(expected, perPatch.tokens().get(patch, (y % 2) * 2 + x % 2), 1e-6,
                                "image " + i + " pixel " + y + "," + x);
                    }
                }
            }
        }
    }

    private static List<byte[]> randomImages(int count) {
        Random random = new Random(3);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] pixels = new byte[TINY.imgSize() * TINY.imgSize()];
            random.nextBytes(pixels);
            images.add(pixels);
        }
        return images;
    }

    /** The trainer's grey rule: [0, 1] to [-1, 1]. */
    private static float greyInput(byte pixel) {
        return ((pixel & 0xff) / 255f - 0.5f) / 0.5f;
    }

    @Test
    void rawPixelsAreProbedForSmallInputsOnlyNotForImageNetSizedOnes() {
        assertTrue(RawPixels.fitsAProbe(BeitConfig.preset("fmnist-tiny")));
        assertFalse(RawPixels.fitsAProbe(BeitConfig.preset("base")), "224x224x3 = 150,528 values per image");
    }

    @Test
    void masksAreResizedLikeTheirImagesWithTheNearestClass() {
        ModelInputs inputs = new ModelInputs(TINY); // to 8x8
        // 16 wide, 12 high: the shorter side scales to 8 (factor 1/1.5), the width to 10.67, centre-cropped to 8.
        byte[] classes = new byte[16 * 12];
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 16; x++) {
                classes[y * 16 + x] = (byte) (x < 8 ? 1 : 2);
            }
        }
        classes[0] = 5; // in the cropped-off margin: must not appear
        byte[] resized = inputs.mask(SegmentationMask.newBuilder().setWidth(16).setHeight(12).setNumClasses(6)
                .setClasses(ByteBuffer.wrap(classes)).build());
        // Output column x samples source column floor((x + 1.33 + 0.5) * 1.5): 2, 4, 5, 7 | 8, 10, 11, 13.
        byte[] row = {1, 1, 1, 1, 2, 2, 2, 2};
        for (int y = 0; y < 8; y++) {
            assertArrayEquals(row, java.util.Arrays.copyOfRange(resized, y * 8, y * 8 + 8), "row " + y);
        }
    }
}
