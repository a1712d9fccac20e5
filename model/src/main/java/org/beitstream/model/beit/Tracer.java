package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;

/** Receives named intermediate tensors of a forward pass (for conformance traces and debugging). */
@FunctionalInterface
public interface Tracer {
    Tracer NONE = (name, value) -> { };

    void record(String name, NDArray value);
}
