package org.beitstream.evaluator;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.teacher.ImageNormalization;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Frozen-backbone features, batch by batch, each batch on its own sub-manager and without gradients (nothing is
 * recorded outside a gradient collector). The backbone's output is the final-norm tokens {@code [B, N+1, D]}.
 */
final class FeatureExtractor {
    private final BeitPretrainingModel model;
    private final ImageNormalization normalization;
    private final int batchSize;

    FeatureExtractor(BeitPretrainingModel model, int batchSize) {
        this.model = model;
        this.normalization = model.config().inputNormalization();
        this.batchSize = batchSize;
    }

    /** Per image {@code concat(CLS, mean of the patch tokens)}, {@code 2D} wide: BEiT's linear-probe features. */
    Matrix pooled(List<byte[]> images, NDManager manager) {
        int width = 2 * model.config().embedDim();
        return new Matrix(extract(images, manager, tokens -> {
            NDArray cls = tokens.get(":, 0");
            NDArray patchMean = tokens.get(":, 1:").mean(new int[] {1});
            return NDArrays.concat(new NDList(cls, patchMean), 1);
        }), images.size(), width);
    }

    /** Every image's patch tokens (CLS dropped), one row each, for the segmentation probe. */
    PatchFeatures patchTokens(List<byte[]> images, NDManager manager) {
        BeitConfig c = model.config();
        float[] tokens = extract(images, manager, t -> t.get(":, 1:"));
        return new PatchFeatures(new Matrix(tokens, images.size() * c.numPatches(), c.embedDim()), images.size(),
                c.gridSize());
    }

    /** Runs the backbone over all images and concatenates what {@code select} keeps of each batch's tokens. */
    private float[] extract(List<byte[]> images, NDManager manager, Function<NDArray, NDArray> select) {
        BeitConfig c = model.config();
        int pixels = c.inChans() * c.imgSize() * c.imgSize();
        float[][] parts = new float[(images.size() + batchSize - 1) / batchSize][];
        for (int from = 0, part = 0; from < images.size(); from += batchSize, part++) {
            int to = Math.min(images.size(), from + batchSize);
            float[] batch = new float[(to - from) * pixels];
            for (int i = from; i < to; i++) {
                byte[] image = images.get(i);
                for (int p = 0; p < pixels; p++) {
                    batch[(i - from) * pixels + p] = (image[p] & 0xff) / 255f;
                }
            }
            try (NDManager step = manager.newSubManager()) {
                NDArray input = normalization.apply(step.create(batch, new Shape(to - from, c.inChans(), c.imgSize(),
                        c.imgSize())));
                parts[part] = select.apply(model.encode(input)).toFloatArray();
            }
        }
        int total = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        float[] all = new float[total];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
