package org.beitstream.model.tokenizer;

/**
 * What a visual tokenizer takes and gives: square images of {@code imageSize} pixels with {@code channels}
 * channels in, a {@code gridSize x gridSize} grid of token ids in {@code [0, vocabSize)} out.
 */
public record TokenizerGeometry(int imageSize, int channels, int gridSize, int vocabSize) {
    public TokenizerGeometry {
        if (imageSize < 1) {
            throw new IllegalArgumentException("image size must be at least 1, got " + imageSize);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be at least 1, got " + channels);
        }
        if (gridSize < 1 || gridSize > imageSize) {
            throw new IllegalArgumentException("grid size must be in 1.." + imageSize + " (the image size), got "
                    + gridSize);
        }
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabulary size must be at least 1, got " + vocabSize);
        }
    }

    public int tokensPerImage() {
        return gridSize * gridSize;
    }
}
