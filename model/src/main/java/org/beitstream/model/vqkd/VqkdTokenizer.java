package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.beitstream.model.teacher.ImageNormalization;
import org.beitstream.model.teacher.PatchTeacher;
import org.beitstream.model.tokenizer.TokenizerGeometry;
import org.beitstream.model.tokenizer.VisualTokenizer;
import org.beitstream.model.vit.Module;
import org.beitstream.model.vit.Scalars;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * BEiT v2's visual tokenizer trained by vector-quantized knowledge distillation: an encoder ViT turns
 * image patches into vectors, the quantizer snaps them to codebook entries (the visual tokens), and a
 * decoder ViT must reconstruct a teacher's patch features from the tokens alone, under a cosine loss.
 *
 * <p>Weights load and export under the authors' state-dict keys ({@code encoder.*}, {@code decoder.*},
 * {@code quantize.*}, {@code encode_task_layer.*}, {@code decode_task_layer.*}). Forward computations are
 * placed on the manager of the input images, so a caller that gives each step a sub-manager frees them.
 */
public final class VqkdTokenizer implements VisualTokenizer {
    private final VqkdConfig config;
    private final NDManager manager;
    private final PatchFeatureViT encoder;
    private final PatchFeatureViT decoder;
    private final TaskLayer encodeTaskLayer;
    private final TaskLayer decodeTaskLayer;
    private final NormEmaQuantizer quantizer;
    /**
     * {@code quantize.embedding.{cluster_size, embed_avg, initted}}: the reference registers them but its
     * update never reads them. Kept only so exported weights load into the authors' model strictly.
     */
    private final Map<String, NDArray> inertReferenceTensors = new LinkedHashMap<>();

    private VqkdTokenizer(VqkdConfig config, NDManager parent, long seed) {
        this.config = config;
        this.manager = parent.newSubManager();
        Module.Allocation allocation = Module.Allocation.on(manager, DataType.FLOAT32);
        this.encoder = new PatchFeatureViT(allocation, config.encoder());
        this.decoder = new PatchFeatureViT(allocation, config.decoder());
        this.encodeTaskLayer = new TaskLayer(allocation, config.encoder().embedDim(), config.embedDim());
        this.decodeTaskLayer = new TaskLayer(allocation, config.decoder().embedDim(), config.decoderOutDim());
        this.quantizer = new NormEmaQuantizer(config.quantizer(), manager, seed);
        inertReferenceTensors.put("quantize.embedding.cluster_size", manager.zeros(new Shape(config.nEmbed())));
        inertReferenceTensors.put("quantize.embedding.embed_avg", quantizer.codebook().duplicate());
        inertReferenceTensors.put("quantize.embedding.initted", manager.zeros(new Shape(1)));
    }

    /** A freshly initialised tokenizer, reproducible from {@code seed}. */
    public static VqkdTokenizer create(VqkdConfig config, NDManager parent, long seed) {
        VqkdTokenizer tokenizer = new VqkdTokenizer(config, parent, seed);
        Random random = new Random(seed);
        tokenizer.encoder.initialise(random);
        tokenizer.decoder.initialise(random);
        tokenizer.encodeTaskLayer.initialise(random);
        tokenizer.decodeTaskLayer.initialise(random);
        return tokenizer;
    }

    /** A tokenizer holding {@code weights} (the authors' state dict; teacher and loss keys are ignored). */
    public static VqkdTokenizer fromStateDict(VqkdConfig config, Map<String, NDArray> weights, NDManager parent) {
        VqkdTokenizer tokenizer = new VqkdTokenizer(config, parent, 0);
        tokenizer.encoder.load(weights, "encoder.");
        tokenizer.decoder.load(weights, "decoder.");
        tokenizer.encodeTaskLayer.load(weights, "encode_task_layer.");
        tokenizer.decodeTaskLayer.load(weights, "decode_task_layer.");
        tokenizer.quantizer.load(required(weights, "quantize.embedding.weight"),
                required(weights, "quantize.cluster_size"));
        tokenizer.inertReferenceTensors.forEach((key, kept) -> {
            NDArray given = weights.get(key);
            if (given != null && given.getShape().equals(kept.getShape())) {
                kept.set(given.toType(kept.getDataType(), false).toByteBuffer());
            }
        });
        return tokenizer;
    }

    /**
     * Number of parameters as the authors count them (teacher excluded): every encoder, decoder and task
     * layer tensor, plus the codebook and the two EMA tensors the reference registers but never updates.
     * Computed from shapes, nothing is allocated.
     */
    public static long parameterCount(VqkdConfig config) {
        Module.Allocation shapes = Module.Allocation.shapesOnly();
        long count = 0;
        for (Module module : new Module[] {new PatchFeatureViT(shapes, config.encoder()),
                new PatchFeatureViT(shapes, config.decoder()),
                new TaskLayer(shapes, config.encoder().embedDim(), config.embedDim()),
                new TaskLayer(shapes, config.decoder().embedDim(), config.decoderOutDim())}) {
            count += module.parameterShapes().values().stream().mapToLong(Shape::size).sum();
        }
        long codebook = (long) config.nEmbed() * config.embedDim();
        // quantize.embedding.{weight, embed_avg} [K, c] and quantize.embedding.cluster_size [K]
        return count + 2 * codebook + config.nEmbed();
    }

    public VqkdConfig config() {
        return config;
    }

    @Override
    public TokenizerGeometry geometry() {
        ViTConfig encoder = config.encoder();
        return new TokenizerGeometry(encoder.imgSize(), encoder.inChans(), encoder.gridSize(), config.nEmbed());
    }

    public NormEmaQuantizer quantizer() {
        return quantizer;
    }

    /** The tensors trained by gradient descent, under the authors' names (the codebook is not among them). */
    public Map<String, NDArray> trainableParameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        encoder.parameters().forEach((k, v) -> out.put("encoder." + k, v));
        decoder.parameters().forEach((k, v) -> out.put("decoder." + k, v));
        encodeTaskLayer.parameters().forEach((k, v) -> out.put("encode_task_layer." + k, v));
        decodeTaskLayer.parameters().forEach((k, v) -> out.put("decode_task_layer." + k, v));
        return out;
    }

    /**
     * The state dict to export, with every key of the authors' {@code VQKD} (teacher excluded): the arrays
     * are the tokenizer's own, valid until the next training step; do not close them.
     */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> out = trainableParameters();
        out.put("quantize.cluster_size", quantizer.clusterSize());
        out.put("quantize.embedding.weight", quantizer.codebook());
        inertReferenceTensors.get("quantize.embedding.initted").set(new float[] {quantizer.initialised() ? 1 : 0});
        out.putAll(inertReferenceTensors);
        return out;
    }

    /**
     * The reference's {@code pre_process}. With {@link VqkdConfig.ProcessType#DEFAULT} the scale depends on
     * the data: a batch whose maximum is at most 1 is taken to be in [0, 1], anything else in [0, 255].
     */
    public NDArray preProcess(NDArray images) {
        return switch (config.processType()) {
            case DEFAULT -> {
                NDArray scaled = images.max().getFloat() <= 1f ? Scalars.times(images, 255) : images;
                yield Scalars.divide(scaled, 127.5).sub(1);
            }
            case IMAGENET_NORM -> ImageNormalization.IMAGENET.apply(images);
        };
    }

    /** Visual tokens [B, N] of images (evaluation mode: the codebook stays, the usage statistic moves). */
    @Override
    public NDArray tokens(NDArray images) {
        NDArray x = preProcess(images);
        QuantizerOutput q = quantizer.forward(encodeTaskLayer.forward(encoder.forward(x)), false);
        return q.tokens().reshape(images.getShape().get(0), -1);
    }

    /** One forward pass against a teacher, which sees the pre-processed images mapped back to [0, 1]. */
    public VqkdOutput forward(NDArray images, PatchTeacher teacher, boolean training) {
        return forward(images, x -> teacher.patchFeatures(x.add(1).div(2)), training);
    }

    /** One forward pass against fixed target features [B, N, decoderOutDim]. */
    public VqkdOutput forward(NDArray images, NDArray target, boolean training) {
        return forward(images, x -> target, training);
    }

    private VqkdOutput forward(NDArray images, java.util.function.UnaryOperator<NDArray> targetOf, boolean training) {
        NDArray x = preProcess(images);
        NDArray target = targetOf.apply(x).stopGradient();
        NDArray encoderFeatures = encoder.forward(x);
        NDArray toQuantizer = encodeTaskLayer.forward(encoderFeatures);
        QuantizerOutput q = quantizer.forward(toQuantizer, training);

        Shape s = toQuantizer.getShape();
        int grid = config.encoder().gridSize();
        NDArray nchw = q.quantized().reshape(s.get(0), grid, grid, s.get(2)).transpose(0, 3, 1, 2);
        NDArray decoderFeatures = decoder.forward(nchw);
        NDArray reconstruction = decodeTaskLayer.forward(decoderFeatures);
        NDArray recLoss = cosineLoss(reconstruction, target);
        return new VqkdOutput(x, encoderFeatures, toQuantizer, q, nchw, decoderFeatures, reconstruction, recLoss,
                q.commitmentLoss().add(recLoss));
    }

    /**
     * mean(1 - cos). The reference divides both sides by their norms without an epsilon, which is safe for
     * CLIP or DINO features but gives NaN for the all-zero feature a HOG teacher assigns to a flat patch (the
     * black background of Fashion-MNIST). Both sides are therefore normalised as torch's F.normalize does:
     * every non-zero vector is divided by its norm as in the reference, and a zero target contributes
     * 1 - 0 = 1 with no gradient instead of poisoning the whole batch.
     */
    private static NDArray cosineLoss(NDArray reconstruction, NDArray target) {
        NDArray cosine = UnitVectors.l2normalize(target).mul(UnitVectors.l2normalize(reconstruction)).sum(new int[] {-1});
        return cosine.neg().add(1).mean();
    }

    private static NDArray required(Map<String, NDArray> weights, String key) {
        NDArray array = weights.get(key);
        if (array == null) {
            throw new IllegalArgumentException("missing tensor '" + key + "'");
        }
        return array;
    }

    @Override
    public void close() {
        quantizer.close();
        manager.close();
    }
}
