package org.beitstream.model.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.vqkd.CodebookUsage;
import org.beitstream.model.vqkd.NormEmaQuantizer;
import org.beitstream.model.vqkd.QuantizerConfig;
import org.beitstream.model.vqkd.QuantizerOutput;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The quantizer on its own, fed the recorded encoder outputs: token ids, commitment loss, the usage
 * statistic after an evaluation call, and the codebook and statistic after one training-mode EMA update.
 */
public final class VqkdEmaConformance implements ConformanceGroup {
    private static final String GROUP = "vqkd.ema";
    private static final String IO = "vqkd.io.safetensors";

    @Override
    public boolean appliesTo(Path vectorsDir) {
        return Manifest.has(vectorsDir, "vqkd", IO);
    }

    @Override
    public List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException {
        JsonNode cfg = Manifest.read(vectorsDir).get("vqkd").get("config");
        QuantizerConfig config = QuantizerConfig.reference(cfg.get("n_embed").asInt(), cfg.get("code_dim").asInt(),
                cfg.get("decay").asDouble(), false);
        Map<String, NDArray> ref = Safetensors.read(vectorsDir.resolve(IO), manager);
        NDArray input = ref.get("ema.quantizer_input");
        List<CheckResult> results = new ArrayList<>();

        try (NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 0)) {
            quantizer.load(ref.get("ema.codebook_before"), ref.get("ema.cluster_size_before"));
            QuantizerOutput eval = quantizer.forward(input, false);
            results.add(TensorComparison.equal(GROUP, "eval.tokens", ref.get("out.embed_ind"), eval.tokens()));
            results.add(TensorComparison.close(GROUP, "eval.cluster_size_after_one_eval_call",
                    ref.get("out.cluster_size_after_one_eval_call"), quantizer.clusterSize(), Tolerance.OUTPUT));
            results.add(TensorComparison.close(GROUP, "eval.codebook_unchanged", ref.get("ema.codebook_before"),
                    quantizer.codebook(), 0));
        }
        try (NormEmaQuantizer quantizer = new NormEmaQuantizer(config, manager, 0)) {
            quantizer.load(ref.get("ema.codebook_before"), ref.get("ema.cluster_size_before"));
            QuantizerOutput train = quantizer.forward(input, true);
            results.add(TensorComparison.equal(GROUP, "tokens", ref.get("out.embed_ind"), train.tokens()));
            results.add(TensorComparison.close(GROUP, "z_normed", ref.get("out.z_normed"), train.normalized(),
                    Tolerance.OUTPUT));
            results.add(TensorComparison.close(GROUP, "quant_loss", ref.get("out.quant_loss"), train.commitmentLoss(),
                    Tolerance.OUTPUT));
            results.add(TensorComparison.close(GROUP, "codebook_after", ref.get("ema.codebook_after"),
                    quantizer.codebook(), Tolerance.OUTPUT));
            results.add(TensorComparison.close(GROUP, "cluster_size_after", ref.get("ema.cluster_size_after"),
                    quantizer.clusterSize(), Tolerance.OUTPUT));
            results.addAll(usage(config.numCodes(), ref.get("out.embed_ind").toLongArray(), train.tokens().toLongArray()));
        }
        return results;
    }

    /** Usage statistics of our tokens against those of the reference's tokens. */
    private static List<CheckResult> usage(int numCodes, long[] expectedTokens, long[] actualTokens) {
        CodebookUsage expected = CodebookUsage.ofTokens(expectedTokens, numCodes);
        CodebookUsage actual = CodebookUsage.ofTokens(actualTokens, numCodes);
        double perplexityError = Math.abs(expected.perplexity() - actual.perplexity()) / expected.perplexity();
        return List.of(
                CheckResult.exact(GROUP, "usage.used_codes", Math.abs(expected.usedCodes() - actual.usedCodes())),
                new CheckResult(GROUP, "usage.perplexity", Math.abs(expected.perplexity() - actual.perplexity()),
                        perplexityError, Tolerance.OUTPUT, perplexityError <= Tolerance.OUTPUT));
    }
}
