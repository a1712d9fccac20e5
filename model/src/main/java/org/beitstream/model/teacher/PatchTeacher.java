package org.beitstream.model.teacher;

import ai.djl.ndarray.NDArray;

/**
 * The frozen network whose patch features VQ-KD's decoder learns to reconstruct (CLIP or DINO in the
 * paper). Images come in as [B, 3, H, W] with values in [0, 1]; each teacher applies its own input
 * normalisation. Features come out as [B, N, D], one row per patch in row-major order, without a
 * class token, on the manager of the images, and never carry a gradient.
 */
public interface PatchTeacher extends AutoCloseable {

    NDArray patchFeatures(NDArray images);

    /** D, the width of each patch feature (the decoder's output width). */
    int featureDim();

    @Override
    void close();
}
