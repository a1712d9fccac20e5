package org.beitstream.evaluator.probe;

/**
 * The patch tokens of some images: {@code tokens} holds one row per patch, image-major, patches in row-major
 * grid order (the order of the backbone's tokens).
 */
public record PatchFeatures(Matrix tokens, int images, int grid) {
    public PatchFeatures {
        if (tokens.rows() != images * grid * grid) {
            throw new IllegalArgumentException(images + " images of " + grid + "x" + grid + " patches need "
                    + images * grid * grid + " token rows, got " + tokens.rows());
        }
    }

    int patchesPerImage() {
        return grid * grid;
    }
}
