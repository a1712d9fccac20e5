package org.beitstream.model.tokenizer;

import ai.djl.ndarray.NDArray;

/** A loaded visual tokenizer of some kind (our VQ-KD, or a user's TorchScript module): images in, token ids out. */
public interface VisualTokenizer extends AutoCloseable {

    TokenizerGeometry geometry();

    /**
     * Token ids INT64 [B, grid * grid] (row-major over the grid) of FLOAT32 images [B, channels, size, size]
     * scaled to [0, 1]; each tokenizer normalises the images itself. The result lives on the images' manager.
     */
    NDArray tokens(NDArray images);

    @Override
    void close();
}
