package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Cuts an image into non-overlapping {@code patch×patch} squares and maps each linearly to {@code dim}:
 * a convolution whose stride equals its kernel, exactly the authors' {@code patch_embed.proj}.
 * Works for any image whose sides are multiples of the patch size; the grid follows the input.
 */
public final class PatchEmbed extends Module {
    private final NDArray weight;
    private final NDArray bias;
    private final int patchSize;
    private final int gridHeight;
    private final int gridWidth;

    /** {@code imgSize} fixes the grid the position tables are built for; {@link #forward} follows the input. */
    public PatchEmbed(Allocation allocation, int imgSize, int patchSize, int inChans, int dim) {
        super(allocation);
        if (patchSize <= 0 || imgSize % patchSize != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " is not a multiple of patch_size " + patchSize);
        }
        this.patchSize = patchSize;
        this.gridHeight = imgSize / patchSize;
        this.gridWidth = imgSize / patchSize;
        this.weight = parameter("proj.weight", new Shape(dim, inChans, patchSize, patchSize), 0f);
        this.bias = parameter("proj.bias", new Shape(dim), 0f);
    }

    /** {@code [B, C, H, W]} to {@code [B, N, D]}, patches in row-major grid order. */
    public NDArray forward(NDArray images) {
        Shape stride = new Shape(patchSize, patchSize);
        NDArray grid = Conv2d.conv2d(images, weight, bias, stride, new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow();
        Shape s = grid.getShape();
        return grid.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    public int gridHeight() {
        return gridHeight;
    }

    public int gridWidth() {
        return gridWidth;
    }

    public int numPatches() {
        return gridHeight * gridWidth;
    }

    public NDArray weight() {
        return weight;
    }
}
