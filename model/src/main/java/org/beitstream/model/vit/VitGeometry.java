package org.beitstream.model.vit;

/** The checks every vision transformer's constructor arguments must pass, with the authors' argument names. */
public final class VitGeometry {
    private VitGeometry() {}

    /** Positive sizes, whole patches, whole heads; throws naming the argument that fails. */
    public static void check(int imgSize, int patchSize, int inChans, int embedDim, int depth, int numHeads) {
        positive("img_size", imgSize);
        positive("patch_size", patchSize);
        positive("in_chans", inChans);
        positive("embed_dim", embedDim);
        positive("depth", depth);
        positive("num_heads", numHeads);
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " must be a multiple of patch_size " + patchSize);
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim " + embedDim + " must be divisible by num_heads " + numHeads);
        }
    }

    public static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }
}
