package org.beitstream.evaluator;

import com.fasterxml.jackson.annotation.JsonValue;

/** The metrics of metrics.eval, named as its JSON Schema names them. */
public enum Metric {
    LINEAR_PROBE_ACCURACY("linear_probe_accuracy"),
    KNN_ACCURACY("knn_accuracy"),
    SEGMENTATION_MIOU("segmentation_miou"),
    SEGMENTATION_PIXEL_ACCURACY("segmentation_pixel_accuracy");

    private final String wireName;

    Metric(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }
}
