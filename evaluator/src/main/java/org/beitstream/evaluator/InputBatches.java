package org.beitstream.evaluator;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.teacher.ImageNormalization;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Prepared images as the backbone takes them, batch by batch: bytes to [0, 1], then the architecture's input
 * normalisation, {@code [B, C, H, W]}. Each batch lives on its own sub-manager, so native memory stays bounded by
 * one batch whatever the number of images; no gradients are recorded outside a gradient collector.
 */
final class InputBatches {
    private final BeitConfig geometry;
    private final ImageNormalization normalization;
    private final int batchSize;

    InputBatches(BeitConfig geometry, int batchSize) {
        this.geometry = geometry;
        this.normalization = geometry.inputNormalization();
        this.batchSize = batchSize;
    }

    /** Runs {@code perBatch} over the input batches and concatenates what it returns, flattened, in order. */
    float[] map(List<byte[]> images, NDManager manager, Function<NDArray, NDArray> perBatch) {
        int side = geometry.imgSize();
        int pixels = geometry.inChans() * side * side;
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
                NDArray input = normalization.apply(step.create(batch,
                        new Shape(to - from, geometry.inChans(), side, side)));
                parts[part] = perBatch.apply(input).toFloatArray();
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
