package org.beitstream.evaluator;

import ai.djl.ndarray.NDManager;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;
import org.beitstream.model.beit.BeitConfig;

import java.util.List;

/**
 * The raw-pixel reference's inputs: the normalised model input itself, with no backbone. Per image the whole
 * {@code C x H x W} input flattened; per patch the {@code C x p x p} pixels of each patch of the backbone's grid,
 * patches in the row-major order of its tokens. Depends on the input geometry only, never on weights.
 */
final class RawPixels implements ProbeInputs {
    private final BeitConfig geometry;
    private final InputBatches batches;

    RawPixels(BeitConfig geometry, int batchSize) {
        this.geometry = geometry;
        this.batches = new InputBatches(geometry, batchSize);
    }

    @Override
    public Matrix perImage(List<byte[]> images, NDManager manager) {
        int side = geometry.imgSize();
        // [B, C, H, W] is already one contiguous row per image.
        return new Matrix(batches.map(images, manager, input -> input), images.size(),
                geometry.inChans() * side * side);
    }

    @Override
    public PatchFeatures perPatch(List<byte[]> images, NDManager manager) {
        int grid = geometry.gridSize();
        int patch = geometry.patchSize();
        int channels = geometry.inChans();
        float[] patches = batches.map(images, manager, input -> {
            long count = input.getShape().get(0);
            // [B, C, gy, p, gx, p] -> [B, gy, gx, C, p, p]: one row per patch, in the grid order of the tokens.
            return input.reshape(count, channels, grid, patch, grid, patch).transpose(0, 2, 4, 1, 3, 5)
                    .reshape(count * grid * grid, (long) channels * patch * patch);
        });
        return new PatchFeatures(new Matrix(patches, images.size() * grid * grid, channels * patch * patch),
                images.size(), grid);
    }
}
