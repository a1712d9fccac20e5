package org.beitstream.model.teacher;

import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A teacher users bring as a TorchScript file (for example CLIP's visual tower traced to return all
 * tokens, projected), loaded offline by DJL's PyTorch engine. It is run frozen: no gradient, eval mode.
 */
public final class TorchScriptTeacher implements PatchTeacher {

    /**
     * @param modelFile     the traced {@code .pt} file
     * @param normalization input statistics the teacher was trained with
     * @param leadingTokens tokens before the patch tokens in the model's output (1 for a class token)
     * @param featureDim    width of the output features, checked on every call
     */
    public record Config(Path modelFile, ImageNormalization normalization, int leadingTokens, int featureDim) {
        public Config {
            if (modelFile == null) {
                throw new IllegalArgumentException("teacher model_file must be given");
            }
            if (normalization == null) {
                throw new IllegalArgumentException("teacher normalization must be given");
            }
            if (leadingTokens < 0) {
                throw new IllegalArgumentException("teacher leading_tokens must be non-negative, got " + leadingTokens);
            }
            if (featureDim < 1) {
                throw new IllegalArgumentException("teacher feature_dim must be at least 1, got " + featureDim);
            }
        }
    }

    private final Config config;
    private final ZooModel<NDList, NDList> model;

    private TorchScriptTeacher(Config config, ZooModel<NDList, NDList> model) {
        this.config = config;
        this.model = model;
    }

    public static TorchScriptTeacher load(Config config) throws IOException {
        if (!Files.isRegularFile(config.modelFile())) {
            throw new IOException("teacher model file " + config.modelFile() + " does not exist");
        }
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(config.modelFile())
                .optEngine("PyTorch")
                .build();
        try {
            return new TorchScriptTeacher(config, criteria.loadModel());
        } catch (ModelNotFoundException | MalformedModelException | EngineException e) {
            throw new IOException("cannot load teacher " + config.modelFile() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int featureDim() {
        return config.featureDim();
    }

    @Override
    public NDArray patchFeatures(NDArray images) {
        NDArray input = config.normalization().apply(images);
        // Calling the block directly keeps the outputs on the images' manager (a Predictor would close them).
        NDList output = model.getBlock().forward(new ParameterStore(images.getManager(), false), new NDList(input),
                false);
        NDArray tokens = output.singletonOrThrow();
        if (tokens.getShape().dimension() != 3 || tokens.getShape().get(2) != config.featureDim()) {
            throw new IllegalStateException("teacher " + config.modelFile() + " returned " + tokens.getShape()
                    + ", expected [B, tokens, " + config.featureDim() + "]");
        }
        return tokens.get(":, {}:", config.leadingTokens()).stopGradient();
    }

    @Override
    public void close() {
        model.close();
    }
}
