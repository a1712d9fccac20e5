package org.beitstream.model.conformance;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.beitstream.model.masking.BlockwiseMaskingGenerator;
import org.beitstream.model.masking.MaskingConfig;
import org.beitstream.model.masking.PatchMask;
import org.beitstream.model.masking.ReplayMaskRandom;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Replays every recorded mask of {@code masks.json}: the generator, fed the reference's random draws,
 * must produce the same mask cell for cell and consume exactly the recorded draws.
 */
public final class MasksConformance implements ConformanceGroup {
    private static final String GROUP = "masks";

    @Override
    public boolean appliesTo(Path vectorsDir) {
        return Manifest.has(vectorsDir, "masking", "masks.json");
    }

    @Override
    public List<CheckResult> run(Path vectorsDir, NDManager manager) throws IOException {
        JsonNode generators = Manifest.read(vectorsDir).get("masking");
        JsonNode recorded = Manifest.readJson(vectorsDir.resolve("masks.json"));
        List<CheckResult> results = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = generators.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> generator = it.next();
            var masking = new BlockwiseMaskingGenerator(config(generator.getValue()),
                    BlockwiseMaskingGenerator.Variant.BEIT_V2);
            JsonNode masks = recorded.get(generator.getKey()).get("masks");
            for (int i = 0; i < masks.size(); i++) {
                results.add(replay(generator.getKey() + "[" + i + "]", masking, masks.get(i)));
            }
        }
        return results;
    }

    private static CheckResult replay(String name, BlockwiseMaskingGenerator masking, JsonNode recorded) {
        ReplayMaskRandom random = new ReplayMaskRandom(draws(recorded.get("trace")));
        PatchMask mask;
        try {
            mask = masking.generate(random);
        } catch (IllegalStateException diverged) {
            return CheckResult.exact(GROUP, name + " (" + diverged.getMessage() + ")", Long.MAX_VALUE);
        }
        JsonNode grid = recorded.get("mask");
        long mismatches = 0;
        for (int r = 0; r < grid.size(); r++) {
            for (int c = 0; c < grid.get(r).size(); c++) {
                if ((grid.get(r).get(c).asInt() != 0) != mask.isMasked(r, c)) {
                    mismatches++;
                }
            }
        }
        if (!random.exhausted()) {
            return CheckResult.exact(GROUP, name + " (recorded draws left unused)", Math.max(1, mismatches));
        }
        return CheckResult.exact(GROUP, name, mismatches);
    }

    static MaskingConfig config(JsonNode kwargs) {
        JsonNode max = kwargs.get("max_num_patches");
        JsonNode maxAspect = kwargs.get("max_aspect");
        return new MaskingConfig(kwargs.get("input_size").asInt(), kwargs.get("num_masking_patches").asInt(),
                kwargs.get("min_num_patches").asInt(), max == null || max.isNull() ? null : max.asInt(),
                kwargs.get("min_aspect").asDouble(),
                maxAspect == null || maxAspect.isNull() ? null : maxAspect.asDouble());
    }

    private static List<ReplayMaskRandom.Draw> draws(JsonNode trace) {
        List<ReplayMaskRandom.Draw> draws = new ArrayList<>();
        for (JsonNode d : trace) {
            String kind = d.get(0).asText();
            draws.add(switch (kind) {
                case "uniform" -> new ReplayMaskRandom.Uniform(d.get(1).asDouble(), d.get(2).asDouble(),
                        d.get(3).asDouble());
                case "randint" -> new ReplayMaskRandom.RandInt(d.get(1).asInt(), d.get(2).asInt(), d.get(3).asInt());
                case "choice" -> {
                    JsonNode idx = d.get(4);
                    int[] indices = new int[idx.size()];
                    for (int i = 0; i < indices.length; i++) {
                        indices[i] = idx.get(i).asInt();
                    }
                    yield new ReplayMaskRandom.Choice(d.get(1).asInt(), d.get(2).asInt(), indices);
                }
                default -> throw new IllegalArgumentException("unknown draw kind in masks.json trace: " + kind);
            });
        }
        return draws;
    }
}
