package org.beitstream.evaluator;

import ai.djl.ndarray.NDManager;
import org.beitstream.evaluator.probe.Matrix;
import org.beitstream.evaluator.probe.PatchFeatures;

import java.util.List;

/**
 * What the probes are fitted on, for images prepared by {@link ModelInputs}: a backbone's frozen features, or the
 * pixels themselves as a reference. The probes are the same either way, so the scores are comparable.
 */
interface ProbeInputs {
    /** One row per image, for the classification probes. */
    Matrix perImage(List<byte[]> images, NDManager manager);

    /** One row per patch of the backbone's grid, for the segmentation probe. */
    PatchFeatures perPatch(List<byte[]> images, NDManager manager);
}
