package org.beitstream.evaluator.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The segmentation probe: one linear head maps each frozen patch token to class logits; the grid of logits is
 * upsampled bilinearly to the pixels, and the head is trained on the pixel cross-entropy (averaged over every
 * training pixel). A pixel's prediction is the class of highest upsampled logit.
 */
public final class SegmentationProbe {
    /** Images per native chunk: their pixel logits ({@code chunk x classes x side²}) bound the memory. */
    private static final int CHUNK_IMAGES = 64;

    private final Standardizer standardizer;
    private final LinearHead head;
    private final int classes;

    private SegmentationProbe(Standardizer standardizer, LinearHead head, int classes) {
        this.standardizer = standardizer;
        this.head = head;
        this.classes = classes;
    }

    public static SegmentationProbe fit(PatchFeatures features, PixelLabels masks, int classes, ProbeSettings settings,
                                        NDManager manager) {
        if (features.images() != masks.images()) {
            throw new IllegalArgumentException(features.images() + " images but " + masks.images() + " masks");
        }
        Standardizer standardizer = Standardizer.fit(features.tokens());
        PatchFeatures x = new PatchFeatures(standardizer.apply(features.tokens()), features.images(), features.grid());
        BilinearUpsampling upsampling = new BilinearUpsampling(x.grid(), masks.side());
        long pixels = (long) masks.images() * masks.pixelsPerImage();
        LinearHead head = LinearHead.train(x.tokens().columns(), classes, settings, (h, gradient) -> {
            for (int from = 0; from < x.images(); from += CHUNK_IMAGES) {
                int to = Math.min(x.images(), from + CHUNK_IMAGES);
                try (NDManager step = manager.newSubManager()) {
                    NDArray tokens = tokens(x, step, from, to);
                    NDArray patchLogits = grids(h.logits(tokens), to - from, x.grid());
                    NDArray labels = labels(masks, step, from, to);
                    NDArray pixelGradient = LinearHead.crossEntropyGradient(upsampling.apply(patchLogits), labels, 1,
                            pixels);
                    // [m, C, g, g] back to one row per token, [m·g·g, C], the layout of the head's output.
                    NDArray tokenGradient = upsampling.backward(pixelGradient).transpose(0, 2, 3, 1)
                            .reshape(tokens.getShape().get(0), classes);
                    h.accumulate(tokens, tokenGradient, gradient);
                }
            }
        });
        return new SegmentationProbe(standardizer, head, classes);
    }

    /** Predicted class masks, {@code side x side} per image, in the layout of {@link PixelLabels}. */
    public PixelLabels predict(PatchFeatures features, int side, NDManager manager) {
        PatchFeatures x = new PatchFeatures(standardizer.apply(features.tokens()), features.images(), features.grid());
        BilinearUpsampling upsampling = new BilinearUpsampling(x.grid(), side);
        byte[] predicted = new byte[x.images() * side * side];
        for (int from = 0; from < x.images(); from += CHUNK_IMAGES) {
            int to = Math.min(x.images(), from + CHUNK_IMAGES);
            try (NDManager step = manager.newSubManager()) {
                NDArray logits = upsampling.apply(grids(head.logits(tokens(x, step, from, to)), to - from, x.grid()));
                byte[] best = logits.argMax(1).toType(DataType.INT8, false).toByteArray();
                System.arraycopy(best, 0, predicted, from * side * side, best.length);
            }
        }
        return new PixelLabels(predicted, x.images(), side);
    }

    /** mIoU and pixel accuracy of the predictions for {@code features} against {@code truth}. */
    public SegmentationScores score(PatchFeatures features, PixelLabels truth, NDManager manager) {
        SegmentationScores scores = new SegmentationScores(classes);
        scores.add(predict(features, truth.side(), manager).classes(), truth.classes());
        return scores;
    }

    private static NDArray tokens(PatchFeatures x, NDManager manager, int fromImage, int toImage) {
        return x.tokens().rows(manager, fromImage * x.patchesPerImage(), toImage * x.patchesPerImage());
    }

    /** Token logits {@code [m·g·g, C]} as class maps {@code [m, C, g, g]}. */
    private static NDArray grids(NDArray tokenLogits, int images, int grid) {
        long classes = tokenLogits.getShape().get(1);
        return tokenLogits.reshape(new Shape(images, grid, grid, classes)).transpose(0, 3, 1, 2);
    }

    private static NDArray labels(PixelLabels masks, NDManager manager, int from, int to) {
        return manager.create(masks.slice(from, to), new Shape(to - from, masks.side(), masks.side()));
    }
}
