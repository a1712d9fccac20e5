package org.beitstream.model.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.vit.LayerNorm;
import org.beitstream.model.vqkd.DeadCodeRestart;
import org.beitstream.model.vqkd.ViTConfig;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdOutput;
import org.beitstream.model.vqkd.VqkdTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole tokenizer against the reference, from the authors' weights: every {@code out.*} tensor of an
 * evaluation-mode forward, every {@code grad.*} of its total loss, and every {@code ema.*} tensor of a
 * training-mode forward. Each run starts from freshly loaded weights, since every call moves the
 * usage statistic and training calls move the codebook.
 */
public final class VqkdConformance implements ConformanceGroup {
    private static final String GROUP = "vqkd";
    private static final String IO = "vqkd.io.safetensors";
    private static final String WEIGHTS = "vqkd.weights.safetensors";
    private static final Pattern EPS = Pattern.compile("'eps':\\s*([0-9.eE+-]+)");

    @Override
    public boolean appliesTo(Path vectorsDir) {
        return Manifest.has(vectorsDir, "vqkd", IO, WEIGHTS);
    }

    @Override
    public List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException {
        VqkdConfig config = config(Manifest.read(vectorsDir).get("vqkd"));
        Map<String, NDArray> weights = Safetensors.read(vectorsDir.resolve(WEIGHTS), manager);
        Map<String, NDArray> ref = Safetensors.read(vectorsDir.resolve(IO), manager);
        NDArray images = ref.get("in.images");
        NDArray target = ref.get("in.teacher_target");

        List<CheckResult> results = new ArrayList<>();
        try (NDManager run = manager.newSubManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.fromStateDict(config, weights, run)) {
            VqkdOutput out = tokenizer.forward(images, target, false);
            Map<String, NDArray> ours = outputs(out);
            ours.put("cluster_size_after_one_eval_call", tokenizer.quantizer().clusterSize().duplicate());
            ours.put("tokens", tokenizer.tokens(images));
            results.addAll(compare(ref, "out.", ours, Tolerance.OUTPUT));
        }
        try (NDManager run = manager.newSubManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.fromStateDict(config, weights, run)) {
            Map<String, NDArray> parameters = tokenizer.trainableParameters();
            parameters.values().forEach(p -> p.setRequiresGradient(true));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(tokenizer.forward(images, target, false).totalLoss());
            }
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            parameters.forEach((name, p) -> gradients.put(name, p.getGradient()));
            results.addAll(compare(ref, "grad.", gradients, Tolerance.GRADIENT));
        }
        try (NDManager run = manager.newSubManager();
             VqkdTokenizer tokenizer = VqkdTokenizer.fromStateDict(config, weights, run)) {
            NDArray codebookBefore = tokenizer.quantizer().codebook().duplicate();
            NDArray clusterSizeBefore = tokenizer.quantizer().clusterSize().duplicate();
            VqkdOutput out = tokenizer.forward(images, target, true);
            Map<String, NDArray> ours = new LinkedHashMap<>();
            ours.put("quantizer_input", out.toQuantizer());
            ours.put("codebook_before", codebookBefore);
            ours.put("codebook_after", tokenizer.quantizer().codebook());
            ours.put("cluster_size_before", clusterSizeBefore);
            ours.put("cluster_size_after", tokenizer.quantizer().clusterSize());
            // The reference registers these EMA tensors but its update never touches them.
            ours.put("embedding_cluster_size_after", weights.get("quantize.embedding.cluster_size"));
            ours.put("embedding_embed_avg_after", weights.get("quantize.embedding.embed_avg"));
            ours.put("total_loss", out.totalLoss());
            results.addAll(compare(ref, "ema.", ours, Tolerance.OUTPUT));
        }
        return results;
    }

    private static Map<String, NDArray> outputs(VqkdOutput out) {
        Map<String, NDArray> ours = new LinkedHashMap<>();
        ours.put("pre_processed", out.preProcessed());
        ours.put("encoder_features", out.encoderFeatures());
        ours.put("to_quantizer_features", out.toQuantizer());
        ours.put("z_normed", out.quantization().normalized());
        ours.put("quantize", out.quantizeNchw());
        ours.put("embed_ind", out.quantization().tokens());
        ours.put("quant_loss", out.quantization().commitmentLoss());
        ours.put("decoder_features", out.decoderFeatures());
        ours.put("rec", out.reconstruction());
        ours.put("rec_loss", out.reconstructionLoss());
        ours.put("total_loss", out.totalLoss());
        return ours;
    }

    /** Every reference tensor under {@code prefix} against ours of the same name; integer tensors exactly. */
    private static List<CheckResult> compare(Map<String, NDArray> ref, String prefix, Map<String, NDArray> ours,
                                             double tolerance) {
        List<CheckResult> results = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : ref.entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                continue;
            }
            String name = entry.getKey();
            NDArray expected = entry.getValue();
            NDArray actual = ours.get(name.substring(prefix.length()));
            if (actual == null) {
                results.add(new CheckResult(GROUP, name + " (not computed)", Double.POSITIVE_INFINITY,
                        Double.POSITIVE_INFINITY, tolerance, false));
            } else if (expected.getDataType().isInteger() || expected.getDataType().isBoolean()) {
                results.add(TensorComparison.equal(GROUP, name, expected, actual));
            } else {
                results.add(TensorComparison.close(GROUP, name, expected, actual, tolerance));
            }
        }
        return results;
    }

    /** The tokenizer described by a manifest's {@code vqkd} section (the authors' constructor arguments). */
    public static VqkdConfig config(JsonNode vqkd) {
        JsonNode c = vqkd.get("config");
        String process = c.get("process_type").asText();
        return new VqkdConfig(vit(vqkd.get("encoder_config")), vit(vqkd.get("decoder_config")),
                c.get("n_embed").asInt(), c.get("code_dim").asInt(), c.get("decay").asDouble(),
                VqkdConfig.ProcessType.valueOf(process.toUpperCase(java.util.Locale.ROOT)),
                c.get("quantize_kmeans_init").asBoolean(), c.get("decoder_out_dim").asInt(),
                DeadCodeRestart.Settings.OFF);
    }

    private static ViTConfig vit(JsonNode v) {
        Matcher eps = EPS.matcher(v.path("norm_layer").asText(""));
        return new ViTConfig(v.get("img_size").asInt(), v.get("patch_size").asInt(), v.get("in_chans").asInt(),
                v.get("embed_dim").asInt(), v.get("depth").asInt(), v.get("num_heads").asInt(),
                v.get("mlp_ratio").asDouble(), v.get("qkv_bias").asBoolean(), (float) v.get("init_values").asDouble(),
                eps.find() ? Float.parseFloat(eps.group(1)) : LayerNorm.DEFAULT_EPS);
    }
}
