package org.beitstream.tokenizer.worker;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.tokenizer.VisualTokenizer;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/** One tokenizer version in memory, of any kind, with the input it expects. */
public final class LoadedTokenizer implements AutoCloseable {
    private final String version;
    private final VisualTokenizer tokenizer;
    private final NDManager manager;
    private boolean retired;

    public LoadedTokenizer(String version, VisualTokenizer tokenizer, NDManager manager) {
        this.version = version;
        this.tokenizer = tokenizer;
        this.manager = manager;
    }

    public String version() {
        return version;
    }

    public int imageSize() {
        return tokenizer.geometry().imageSize();
    }

    public int channels() {
        return tokenizer.geometry().channels();
    }

    public int gridSize() {
        return tokenizer.geometry().gridSize();
    }

    public int codebookSize() {
        return tokenizer.geometry().vocabSize();
    }

    /**
     * Tokens [B][grid*grid] of images given as unsigned CHW bytes of this tokenizer's input size, or empty
     * when this version was retired in the meantime (the caller then takes the current one).
     */
    public synchronized Optional<long[][]> tokens(List<byte[]> chwImages) {
        if (retired) {
            return Optional.empty();
        }
        int side = imageSize();
        int perImage = channels() * side * side;
        try (NDManager step = manager.newSubManager()) {
            ByteBuffer pixels = ByteBuffer.allocateDirect(chwImages.size() * perImage);
            chwImages.forEach(pixels::put);
            pixels.rewind();
            NDArray bytes = step.create(pixels, new Shape(chwImages.size(), channels(), side, side), DataType.UINT8);
            // [0, 1] scale: the tokenizer's own pre-processing takes it from there, as in training.
            NDArray images = bytes.toType(DataType.FLOAT32, false).div(255f);
            long[] flat = tokenizer.tokens(images).toLongArray();
            int n = gridSize() * gridSize();
            long[][] out = new long[chwImages.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
            }
            return Optional.of(out);
        }
    }

    @Override
    public synchronized void close() {
        retired = true;
        tokenizer.close();
        manager.close();
    }
}
