package org.beitstream.model.tokenizer;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A tokenizer users bring as a TorchScript module: the authors' BEiT v2 VQ-KD exported by
 * {@code tools/export_vqkd_torchscript.py}, or BEiT v1's DALL-E encoder traced around its
 * {@code get_codebook_indices}. It runs frozen, on DJL's PyTorch engine.
 *
 * <p>The contract (docs/TOKENIZER.md): forward takes FLOAT32 images [B, C, S, S] in [0, 1] and normalises them
 * itself; it returns integer ids [B, N] or [B, h, w], each in [0, vocabulary). Every output is checked against
 * it, so a module that breaks it fails with its name instead of producing wrong tokens.
 */
public final class TorchScriptTokenizer implements VisualTokenizer {
    private final String name;
    private final TokenizerGeometry geometry;
    private final Model model;

    private TorchScriptTokenizer(String name, TokenizerGeometry geometry, Model model) {
        this.name = name;
        this.geometry = geometry;
        this.model = model;
    }

    /** Loads the module in {@code file}; {@code name} (a tokenizer version) names it in every error. */
    public static TorchScriptTokenizer load(String name, Path file, TokenizerGeometry geometry) throws IOException {
        return new TorchScriptTokenizer(name, geometry, loadModel(name, file));
    }

    /** Loads a module from its bytes (as fetched from the object store) through a file deleted right after. */
    public static TorchScriptTokenizer load(String name, byte[] module, TokenizerGeometry geometry) throws IOException {
        Path file = Files.createTempFile("beit-stream-tokenizer-", ".pt");
        try {
            Files.write(file, module);
            return load(name, file, geometry);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The geometry of the module in {@code file}, found by running it once on zeros [1, channels, imageSize,
     * imageSize]: its output gives the token grid, and must already keep the contract.
     *
     * @throws IllegalArgumentException naming the file, when the module breaks the contract on that input
     */
    public static TokenizerGeometry probe(Path file, int imageSize, int channels, int vocabSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("TorchScript tokenizer " + file + " does not exist");
        }
        String name = file.toString();
        try (Model model = loadModel(name, file); NDManager manager = NDManager.newBaseManager()) {
            NDArray ids = forward(name, model, manager.zeros(new Shape(1, channels, imageSize, imageSize)));
            TokenizerGeometry geometry = new TokenizerGeometry(imageSize, channels, gridOf(name, ids.getShape()),
                    vocabSize);
            new TorchScriptTokenizer(name, geometry, model).checked(ids, 1);
            return geometry;
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public TokenizerGeometry geometry() {
        return geometry;
    }

    @Override
    public NDArray tokens(NDArray images) {
        return checked(forward(name, model, images), images.getShape().get(0));
    }

    /** The ids as INT64 [B, N], or an error naming this tokenizer and how its output breaks the contract. */
    private NDArray checked(NDArray ids, long batch) {
        if (!ids.getDataType().isInteger()) {
            throw broken("returned " + ids.getDataType() + " ids; the contract is an integer type");
        }
        int grid = geometry.gridSize();
        int n = geometry.tokensPerImage();
        Shape shape = ids.getShape();
        if (!shape.equals(new Shape(batch, n)) && !shape.equals(new Shape(batch, grid, grid))) {
            throw broken("returned shape " + shape + " for " + batch + " images; the contract is [" + batch + ", " + n
                    + "] or [" + batch + ", " + grid + ", " + grid + "]");
        }
        NDArray flat = ids.toType(DataType.INT64, false).reshape(batch, n);
        long min = flat.min().getLong();
        long max = flat.max().getLong();
        if (min < 0 || max >= geometry.vocabSize()) {
            throw broken("returned ids in [" + min + ", " + max + "], outside its vocabulary [0, "
                    + geometry.vocabSize() + ")");
        }
        return flat;
    }

    private IllegalStateException broken(String problem) {
        return new IllegalStateException("tokenizer " + name + " " + problem);
    }

    /** The grid side of the output for one image: [1, N] with N a square number, or [1, h, h]. */
    private static int gridOf(String name, Shape shape) {
        long tokens = shape.dimension() == 2 ? shape.get(1)
                : shape.dimension() == 3 && shape.get(1) == shape.get(2) ? shape.get(1) * shape.get(2) : 0;
        long side = Math.round(Math.sqrt(tokens));
        if (tokens < 1 || side * side != tokens) {
            throw new IllegalStateException("tokenizer " + name + " returned shape " + shape + " for one image; the "
                    + "contract is [1, N] with N a square number of tokens, or [1, h, h]");
        }
        return (int) side;
    }

    private static NDArray forward(String name, Model model, NDArray images) {
        // DJL reads a calling convention into input names ("a.b" is a dict entry, "a[]" a list): pass no name.
        NDArray input = images.getName() == null ? images : images.reshape(images.getShape());
        NDList output;
        try {
            // Calling the block directly keeps the outputs on the images' manager (a Predictor would close them).
            output = model.getBlock().forward(new ParameterStore(images.getManager(), false), new NDList(input), false);
        } catch (EngineException e) {
            throw new IllegalStateException("tokenizer " + name + " failed on images " + images.getShape() + ": "
                    + e.getMessage(), e);
        }
        if (output.size() != 1) {
            throw new IllegalStateException("tokenizer " + name + " returned " + output.size()
                    + " tensors; the contract is one tensor of ids");
        }
        return output.get(0);
    }

    private static Model loadModel(String name, Path file) throws IOException {
        Model model = Model.newInstance(name, "PyTorch");
        try {
            // mapLocation: a module traced on the CPU runs wherever the engine runs (the GPU of the cuda build).
            model.load(file, null, Map.of("mapLocation", "true"));
            return model;
        } catch (MalformedModelException | EngineException | IOException e) {
            model.close();
            throw new IOException("cannot load TorchScript tokenizer " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
