package org.beitstream.evaluator;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;

import java.util.List;

/**
 * Frozen-backbone features, batch by batch (see {@link InputBatches}). The backbone's output is the final-norm
 * tokens {@code [B, N+1, D]}.
 */
final class FeatureExtractor implements ProbeInputs {
    private final BeitPretrainingModel model;
    private final InputBatches batches;

    FeatureExtractor(BeitPretrainingModel model, int batchSize) {
        this.model = model;
        this.batches = new InputBatches(model.config(), batchSize);
    }

    /** Per image {@code concat(CLS, mean of the patch tokens)}, {@code 2D} wide: BEiT's linear-probe features. */
    @Override
    public Matrix perImage(List<byte[]> images, NDManager manager) {
        int width = 2 * model.config().embedDim();
        return new Matrix(batches.map(images, manager, input -> {
            NDArray tokens = model.encode(input);
            NDArray cls = tokens.get(":, 0");
            NDArray patchMean = tokens.get(":, 1:").mean(new int[] {1});
            return NDArrays.concat(new NDList(cls, patchMean), 1);
        }), images.size(), width);
    }

    /** Every image's patch tokens (CLS dropped), one row each, for the segmentation probe. */
    @Override
    public PatchFeatures perPatch(List<byte[]> images, NDManager manager) {
        BeitConfig c = model.config();
        float[] tokens = batches.map(images, manager, input -> model.encode(input).get(":, 1:"));
        return new PatchFeatures(new Matrix(tokens, images.size() * c.numPatches(), c.embedDim()), images.size(),
                c.gridSize());
    }
}
