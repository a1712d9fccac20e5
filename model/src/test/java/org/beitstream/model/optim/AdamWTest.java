package org.beitstream.model.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.PretrainingLoss;
import org.beitstream.model.beit.PretrainingOutput;
import org.beitstream.model.testing.OracleVectors;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** Loss {@code sum(c·p)} has the constant gradient c, so every step can be computed by hand in double. */
    private static float[] stepLinearLoss(AdamW adamW, NDArray p, float[] c, double lr, NDManager manager) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = p.mul(manager.create(c)).sum();
            collector.backward(loss);
            adamW.step(loss.getFloat(), lr);
        }
        return p.toFloatArray();
    }

    @Test
    void updateMatchesTheClosedFormWithDecayAndClipping() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] start = {0.5f, -1.0f, 2.0f};
            float[] c = {3.0f, -4.0f, 0.0f};              // |g| = 5, clipped to 1
            NDArray p = manager.create(start.clone());
            p.setRequiresGradient(true);
            double lr = 0.1;
            double wd = 0.05;
            AdamWConfig config = new AdamWConfig(0.9, 0.999, 1e-8, 1.0);
            try (AdamW adamW = new AdamW(List.of(new ParameterGroup(wd, 1.0, Map.of("p", p))), config, manager)) {
                double[] expected = {start[0], start[1], start[2]};
                double[] m = new double[3];
                double[] v = new double[3];
                for (int t = 1; t <= 3; t++) {
                    float[] actual = stepLinearLoss(adamW, p, c, lr, manager);
                    double scale = 1.0 / (5.0 + 1e-6);
                    for (int i = 0; i < 3; i++) {
                        double g = c[i] * scale;
                        expected[i] *= 1 - lr * wd;
                        m[i] = 0.9 * m[i] + 0.1 * g;
                        v[i] = 0.999 * v[i] + 0.001 * g * g;
                        double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
                        expected[i] -= lr / (1 - Math.pow(0.9, t)) * m[i] / denominator;
                        assertEquals(expected[i], actual[i], 1e-6, "step " + t + " element " + i);
                    }
                }
                assertEquals(3, adamW.stepCount());
            }
        }
    }

    /** An optimizer restored from another's state continues exactly as the original would. */
    @Test
    void restoredStateContinuesIdentically() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] c = {0.3f, -2f, 1f};
            NDArray original = manager.create(new float[] {1f, 1f, 1f});
            original.setRequiresGradient(true);
            AdamWConfig config = new AdamWConfig(0.9, 0.98, 1e-8, 3.0);
            try (AdamW a = new AdamW(List.of(new ParameterGroup(0.05, 1.0, Map.of("w", original))), config, manager)) {
                stepLinearLoss(a, original, c, 1e-2, manager);
                stepLinearLoss(a, original, c, 1e-2, manager);
                NDArray resumed = manager.create(original.toFloatArray());
                resumed.setRequiresGradient(true);
                try (AdamW b = new AdamW(List.of(new ParameterGroup(0.05, 1.0, Map.of("w", resumed))), config,
                        manager)) {
                    b.loadStateDict(a.stateDict(), a.stepCount());
                    assertArrayEquals(stepLinearLoss(a, original, c, 1e-2, manager),
                            stepLinearLoss(b, resumed, c, 1e-2, manager));
                    assertEquals(3, b.stepCount());
                }
            }
        }
    }

    @Test
    void nonFiniteLossSkipsTheStepAndClearsGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(new float[] {1f, 2f});
            p.setRequiresGradient(true);
            try (AdamW adamW = new AdamW(List.of(new ParameterGroup(0.0, 1.0, Map.of("p", p))),
                    new AdamWConfig(0.9, 0.999, 1e-8, 3.0), manager)) {
                StepReport report;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = p.log().mul(manager.create(new float[] {Float.NaN, 1f})).sum();
                    collector.backward(loss);
                    report = adamW.step(loss.getFloat(), 1e-3);
                }
                assertTrue(report.skipped());
                assertEquals(0, report.step());
                assertArrayEquals(new float[] {1f, 2f}, p.toFloatArray());
                assertArrayEquals(new float[] {0f, 0f}, p.getGradient().toFloatArray());

                float[] after = stepLinearLoss(adamW, p, new float[] {1f, 1f}, 1e-3, manager);
                assertEquals(1, adamW.stepCount());
                assertTrue(after[0] < 1f && after[1] < 2f, "the next finite step must update");
            }
        }
    }

    @Test
    void groupsMatchTheAuthorsSplit() throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(OracleVectors.setA().resolve("MANIFEST.json")));
        for (String variant : List.of("pt_relpos", "pt_abspos", "pt_blockrel")) {
            BeitConfig config = BeitConfig.fromAuthorsArgs(manifest.get(variant).get("config"));
            try (NDManager manager = NDManager.newBaseManager()) {
                BeitPretrainingModel model = BeitPretrainingModel.forLoading(config, manager, DataType.FLOAT32);
                List<ParameterGroup> groups = ParameterGroup.authorsGroups(model.parameters(), 0.05,
                        ParameterGroup.DEFAULT_SKIP_LIST);
                Map<Double, Set<String>> ours = new LinkedHashMap<>();
                groups.forEach(g -> ours.put(g.weightDecay(), new TreeSet<>(g.parameters().keySet())));
                Map<Double, Set<String>> theirs = new LinkedHashMap<>();
                for (JsonNode g : manifest.get(variant).get("param_groups")) {
                    Set<String> names = new TreeSet<>();
                    g.get("params").forEach(n -> names.add(n.asText()));
                    theirs.put(g.get("weight_decay").asDouble(), names);
                }
                assertEquals(theirs, ours, variant);
                assertTrue(ours.get(0.05).contains("mask_token"));
                assertFalse(ours.get(0.05).contains("cls_token"));
            }
        }
    }

    /** Each step on its own sub-manager: the model's and optimizer's managers hold no more arrays after 5 steps. */
    @Test
    void trainingStepsDoNotAccumulateArrays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BeitConfig config = new BeitConfig(16, 4, 1, 32, 2, 2, 2.0, 1, 1, 16, 0.1, true, false, false, true, 0.02);
            BeitPretrainingModel model = BeitPretrainingModel.create(config, manager, 11);
            model.attachGradients();
            try (AdamW adamW = new AdamW(ParameterGroup.authorsGroups(model.parameters(), 0.05,
                    ParameterGroup.DEFAULT_SKIP_LIST), AdamWConfig.BEIT_V2_RECIPE, manager)) {
                int[] counts = new int[5];
                for (int step = 0; step < 5; step++) {
                    try (NDManager stepManager = manager.newSubManager();
                         GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray images = stepManager.randomNormal(new ai.djl.ndarray.types.Shape(2, 1, 16, 16));
                        boolean[] mask = new boolean[32];
                        mask[3] = mask[17] = mask[20] = true;
                        NDArray maskArray = stepManager.create(mask, new ai.djl.ndarray.types.Shape(2, 16));
                        PretrainingOutput out = model.forward(images, maskArray);
                        NDArray loss = PretrainingLoss.of(out, stepManager.create(new long[] {1, 2, 3})).total();
                        collector.backward(loss);
                        assertFalse(adamW.step(loss.getFloat(), 1e-3).skipped());
                    }
                    counts[step] = manager.getManagedArrays().size();
                }
                assertEquals(counts[1], counts[4], "arrays leaked across steps: " + java.util.Arrays.toString(counts));
            }
        }
    }
}
