package org.beitstream.evaluator;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a reference score on metrics.eval measures, named as its JSON Schema names them. A checkpoint's score is
 * only meaningful next to references taken under the same protocol, on the same images.
 */
public enum Reference {
    /** The checkpoint's architecture with random weights: what pretraining adds. */
    RANDOM_INIT("random_init"),
    /** The probes on the prepared input pixels themselves: what any backbone adds over no backbone at all. */
    RAW_PIXELS("raw_pixels");

    private final String wireName;

    Reference(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }
}
