package org.beitstream.model.beit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.conformance.CheckResult;
import org.beitstream.model.conformance.ConformanceGroup;
import org.beitstream.model.conformance.TensorComparison;
import org.beitstream.model.conformance.Tolerance;
import org.beitstream.model.io.Safetensors;
import org.beitstream.model.optim.AdamW;
import org.beitstream.model.optim.AdamWConfig;
import org.beitstream.model.optim.ParameterGroup;
import org.beitstream.model.optim.StepReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reproduces the authors' pretraining model on every variant a MANIFEST lists (any entry whose
 * {@code config.cls} is the patch-aggregation model), with sizes taken from that config:
 * <ul>
 *   <li>{@code <v>.outputs}: every {@code out.*} and {@code loss.*} tensor (float32);</li>
 *   <li>{@code <v>.float64}: every {@code f64.*} tensor from the same model in float64;</li>
 *   <li>{@code <v>.traces}: every {@code trace.*} intermediate;</li>
 *   <li>{@code <v>.gradients}: every {@code grad.*} of the summed loss;</li>
 *   <li>{@code <v>.weight_decay_groups}: our decay/no-decay split against the MANIFEST's;</li>
 *   <li>{@code <v>.adamw}: each {@code adamw.step<k>.*} (loss, grad norm before clipping, every parameter).</li>
 * </ul>
 */
public final class PretrainingConformance implements ConformanceGroup {
    private static final String MODEL_CLASS = "VisionTransformerForMaskedImageModelingCLS";
    /** float64 against float64: only summation order differs. */
    private static final double FLOAT64_TOLERANCE = 1e-9;
    /** Gradient magnitude, in units of Adam's eps, below which an element's update is ill-conditioned. */
    private static final double ILL_CONDITIONED_GRADIENT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean appliesTo(Path vectorsDir) {
        try {
            return !variants(manifest(vectorsDir)).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException {
        JsonNode manifest = manifest(vectorsDir);
        List<CheckResult> results = new ArrayList<>();
        for (Map.Entry<String, JsonNode> variant : variants(manifest).entrySet()) {
            try (NDManager m = manager.newSubManager()) {
                results.addAll(new Variant(vectorsDir, variant.getKey(), variant.getValue(), m).run());
            }
        }
        return results;
    }

    private static JsonNode manifest(Path dir) throws IOException {
        return JSON.readTree(Files.readString(dir.resolve("MANIFEST.json")));
    }

    private static Map<String, JsonNode> variants(JsonNode manifest) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = manifest.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cls = e.getValue().path("config").path("cls");
            if (cls.isTextual() && cls.asText().endsWith(MODEL_CLASS)) {
                found.put(e.getKey(), e.getValue());
            }
        }
        return found;
    }

    /** The checks of one variant, whose tensors all live on {@code m}. */
    private static final class Variant {
        private final String name;
        private final JsonNode entry;
        private final NDManager m;
        private final BeitConfig config;
        private final Map<String, NDArray> weights;
        private final Map<String, NDArray> io;
        private final List<CheckResult> results = new ArrayList<>();

        Variant(Path dir, String name, JsonNode entry, NDManager m) throws IOException {
            this.name = name;
            this.entry = entry;
            this.m = m;
            this.config = BeitConfig.fromAuthorsArgs(entry.get("config"));
            this.weights = Safetensors.read(dir.resolve(name + ".weights.safetensors"), m);
            this.io = Safetensors.read(dir.resolve(name + ".io.safetensors"), m);
        }

        List<CheckResult> run() {
            checkFloat32();
            checkFloat64();
            checkWeightDecayGroups();
            if (io.containsKey("adamw.step1.loss")) {
                checkAdamW();
            }
            return results;
        }

        private BeitPretrainingModel loaded(DataType dataType) {
            BeitPretrainingModel model = BeitPretrainingModel.forLoading(config, m, dataType);
            model.load(weights, "");
            return model;
        }

        private void checkFloat32() {
            BeitPretrainingModel model = loaded(DataType.FLOAT32);
            Set<String> unexpected = new TreeSet<>(weights.keySet());
            unexpected.removeAll(model.stateDict().keySet());
            results.add(CheckResult.exact(name + ".outputs", "weights: unexpected keys " + unexpected,
                    unexpected.size()));

            model.attachGradients();
            Map<String, NDArray> traces = new LinkedHashMap<>();
            Map<String, NDArray> computed = outputs(model, DataType.FLOAT32, traces::put);
            compareAll("out.", "", name + ".outputs", computed, Tolerance.OUTPUT);
            compareAll("loss.", "loss.", name + ".outputs", computed, Tolerance.OUTPUT);
            compareAll("trace.", "", name + ".traces", traces, Tolerance.OUTPUT);

            Map<String, NDArray> gradients = new LinkedHashMap<>();
            model.parameters().forEach((key, p) -> gradients.put(key, p.getGradient()));
            compareAll("grad.", "", name + ".gradients", gradients, Tolerance.GRADIENT);
        }

        private void checkFloat64() {
            Map<String, NDArray> computed = outputs(loaded(DataType.FLOAT64), DataType.FLOAT64, Tracer.NONE);
            compareAll("f64.", "", name + ".float64", computed, FLOAT64_TOLERANCE);
        }

        /**
         * One training-mode pass as the reference made it (gradients of the summed loss accumulate into the
         * parameters when they are attached), then the all-tokens and nothing-masked passes without gradient.
         * Keys are the reference names without their {@code out.}/{@code f64.} prefix.
         */
        private Map<String, NDArray> outputs(BeitPretrainingModel model, DataType dataType, Tracer tracer) {
            NDArray images = io.get("in.images").toType(dataType, false);
            NDArray mask = io.get("in.bool_masked_pos");
            Map<String, NDArray> out = new LinkedHashMap<>();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                PretrainingOutput o = model.forward(images, mask, false, tracer);
                PretrainingLoss loss = PretrainingLoss.of(o, io.get("in.labels"));
                out.put("logits_mim", o.logitsMim());
                out.put("logits_cls_pt", o.logitsClsPt());
                out.put("features", o.features());
                out.put("features_cls_pt", o.featuresClsPt());
                out.put("loss.loss_1", loss.lossMim());
                out.put("loss.loss_2", loss.lossClsPt());
                out.put("loss.total", loss.total());
                if (dataType == DataType.FLOAT32) {
                    collector.backward(loss.total());
                }
            }
            PretrainingOutput all = model.forward(images, mask, true, Tracer.NONE);
            out.put("logits_all_mim", all.logitsMim());
            out.put("logits_all_cls_pt", all.logitsClsPt());
            PretrainingOutput none = model.forward(images, null, true, Tracer.NONE);
            out.put("nomask_logits_all_mim", none.logitsMim());
            out.put("nomask_logits_all_cls_pt", none.logitsClsPt());
            return out;
        }

        /**
         * Compares every reference tensor named {@code refPrefix + k} with {@code computed[keyPrefix + k]}.
         * A reference tensor we did not compute is a failure, so new reference entries are never skipped.
         */
        private void compareAll(String refPrefix, String keyPrefix, String group, Map<String, NDArray> computed,
                                double tolerance) {
            for (Map.Entry<String, NDArray> e : io.entrySet()) {
                String ref = e.getKey();
                if (!ref.startsWith(refPrefix)) {
                    continue;
                }
                NDArray actual = computed.get(keyPrefix + ref.substring(refPrefix.length()));
                results.add(actual == null
                        ? new CheckResult(group, ref + " (not computed)", Double.POSITIVE_INFINITY,
                                Double.POSITIVE_INFINITY, tolerance, false)
                        : TensorComparison.close(group, ref, e.getValue(), actual, tolerance));
            }
        }

        private void checkWeightDecayGroups() {
            BeitPretrainingModel model = BeitPretrainingModel.forLoading(config, m, DataType.FLOAT32);
            List<ParameterGroup> ours = ParameterGroup.authorsGroups(model.parameters(), 1.0,
                    ParameterGroup.DEFAULT_SKIP_LIST);
            Map<String, Double> ourDecay = new LinkedHashMap<>();
            ours.forEach(g -> g.parameters().keySet().forEach(k -> ourDecay.put(k, g.weightDecay())));
            Set<String> mismatched = new TreeSet<>();
            Set<String> seen = new HashSet<>();
            for (JsonNode group : entry.get("param_groups")) {
                boolean decayed = group.get("weight_decay").asDouble() > 0;
                for (JsonNode p : group.get("params")) {
                    seen.add(p.asText());
                    Double decay = ourDecay.get(p.asText());
                    if (decay == null || (decay > 0) != decayed) {
                        mismatched.add(p.asText());
                    }
                }
            }
            Set<String> extra = new TreeSet<>(ourDecay.keySet());
            extra.removeAll(seen);
            mismatched.addAll(extra);
            results.add(CheckResult.exact(name + ".weight_decay_groups", "mismatched " + mismatched,
                    mismatched.size()));
        }

        /**
         * Two AdamW steps on the same batch from the same weights. Loss and grad norm are compared as they
         * are. For the parameters, elements whose gradient was ever below {@link #ILL_CONDITIONED_GRADIENT}
         * are compared separately: there Adam's {@code g/(|g|+eps)} has slope lr/eps = 1e5, so a float32
         * summation-order difference of 1e-11 in the gradient moves the parameter by 1e-6, beyond any
         * relative tolerance. Those elements only have to stay within one Adam step (lr) per step of the
         * reference; their count is in the check name.
         */
        private void checkAdamW() {
            JsonNode spec = entry.get("adamw");
            JsonNode opt = spec.get("config");
            AdamWConfig adamWConfig = new AdamWConfig(opt.get("opt_betas").get(0).asDouble(),
                    opt.get("opt_betas").get(1).asDouble(), opt.get("opt_eps").asDouble(),
                    spec.get("clip_grad").asDouble());
            double lr = opt.get("lr").asDouble();
            double illConditioned = ILL_CONDITIONED_GRADIENT * adamWConfig.eps();
            BeitPretrainingModel model = loaded(DataType.FLOAT32);
            model.attachGradients();
            Map<String, NDArray> parameters = model.parameters();
            Map<String, boolean[]> sensitive = new LinkedHashMap<>();
            String group = name + ".adamw";
            List<ParameterGroup> groups = ParameterGroup.authorsGroups(parameters,
                    opt.get("weight_decay").asDouble(), ParameterGroup.DEFAULT_SKIP_LIST);
            try (AdamW adamW = new AdamW(groups, adamWConfig, m)) {
                adamW.zeroGradients();
                for (int k = 1; io.containsKey("adamw.step" + k + ".loss"); k++) {
                    String prefix = "adamw.step" + k + ".";
                    try (NDManager step = m.newSubManager();
                         GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray images = io.get("in.images").duplicate();
                        images.attach(step);
                        PretrainingOutput o = model.forward(images, io.get("in.bool_masked_pos"));
                        NDArray loss = PretrainingLoss.of(o, io.get("in.labels")).total();
                        collector.backward(loss);
                        float lossValue = loss.getFloat();
                        results.add(TensorComparison.close(group, prefix + "loss", io.get(prefix + "loss"),
                                step.create(lossValue), Tolerance.GRADIENT));
                        parameters.forEach((key, p) -> markSmall(sensitive, key, p.getGradient(), illConditioned));
                        StepReport report = adamW.step(lossValue, lr);
                        results.add(TensorComparison.close(group, prefix + "grad_norm", io.get(prefix + "grad_norm"),
                                step.create((float) report.gradNorm()), Tolerance.GRADIENT));
                    }
                    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                        String ref = prefix + "param." + e.getKey();
                        NDArray expected = io.get(ref);
                        results.add(expected == null
                                ? CheckResult.exact(group, ref + " (missing from the reference)", 1)
                                : closeWhereConditioned(group, ref, expected, e.getValue(),
                                        sensitive.get(e.getKey()), k * lr));
                    }
                }
            }
        }

        private static void markSmall(Map<String, boolean[]> sensitive, String key, NDArray gradient, double below) {
            float[] g = gradient.toType(DataType.FLOAT32, false).toFloatArray();
            boolean[] marks = sensitive.computeIfAbsent(key, x -> new boolean[g.length]);
            for (int i = 0; i < g.length; i++) {
                marks[i] |= Math.abs(g[i]) < below;
            }
        }

        /** Relative-to-max comparison on well-conditioned elements; the others within {@code bound}. */
        private static CheckResult closeWhereConditioned(String group, String name, NDArray expected, NDArray actual,
                                                         boolean[] sensitive, double bound) {
            double[] e = expected.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] a = actual.toType(DataType.FLOAT64, false).toDoubleArray();
            double scale = 0;
            double maxAbs = 0;
            double sensitiveMaxAbs = 0;
            int sensitiveCount = 0;
            for (int i = 0; i < e.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                double diff = Math.abs(a[i] - e[i]);
                if (Double.isNaN(diff)) {
                    diff = Double.POSITIVE_INFINITY;
                }
                if (sensitive[i]) {
                    sensitiveCount++;
                    sensitiveMaxAbs = Math.max(sensitiveMaxAbs, diff);
                } else {
                    maxAbs = Math.max(maxAbs, diff);
                }
            }
            double rel = scale == 0 ? maxAbs : maxAbs / scale;
            boolean passed = rel <= Tolerance.GRADIENT && sensitiveMaxAbs <= bound;
            String label = sensitiveCount == 0 ? name
                    : name + " (" + sensitiveCount + " ill-conditioned elements within " + sensitiveMaxAbs + ")";
            return new CheckResult(group, label, maxAbs, rel, Tolerance.GRADIENT, passed);
        }
    }
}
