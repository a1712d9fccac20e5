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
    /**
     * Widest input probed as raw pixels: 64x64 RGB. A 224x224 RGB input has 150,528 values per image, about 6 GB
     * for 10,000 training images, and a probe on them says little a smaller input would not.
     */
    static final int MAX_VALUES_PER_IMAGE = 64 * 64 * 3;

    private final BeitConfig geometry;
    private final InputBatches batches;

    RawPixels(BeitConfig geometry, int batchSize) {
        this.geometry = geometry;
        this.batches = new InputBatches(geometry, batchSize);
    }

    static long valuesPerImage(BeitConfig geometry) {
        return (long) geometry.inChans() * geometry.imgSize() * geometry.imgSize();
    }

    /** Whether the raw-pixel reference is computed for inputs of this geometry. */
    static boolean fitsAProbe(BeitConfig geometry) {
        return valuesPerImage(geometry) <= MAX_VALUES_PER_IMAGE;
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
