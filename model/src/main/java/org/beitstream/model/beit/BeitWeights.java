package org.beitstream.model.beit;

import ai.djl.ndarray.NDArray;
import org.beitstream.model.io.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Weight files of the pretraining model in the layouts users bring and expect.
 * <ul>
 *   <li><b>authors</b>: the state dict of {@code VisionTransformerForMaskedImageModelingCLS}, every key as in
 *       microsoft/unilm {@code beit2} (the format of the released pretraining checkpoints);</li>
 *   <li><b>backbone</b>: the same keys without the pretraining-only parts ({@code mask_token}, {@code lm_head},
 *       the patch-aggregation head): what the authors' fine-tuning code keeps;</li>
 *   <li><b>timm</b>: the backbone as timm's {@code Beit} ({@code beitv2_*} models) names it. The keys are the
 *       authors' except that timm has no shared relative position bias: the shared table is given to every
 *       block ({@code blocks.i.attn.relative_position_bias_table}), which computes the same function. timm
 *       keeps {@code relative_position_index} and the zero k bias as non-persistent buffers, so neither is
 *       written. {@code norm.*} stays {@code norm.*}: it loads strictly into a timm {@code Beit} built with
 *       {@code global_pool='token', num_classes=0} (the default {@code 'avg'} pools first and uses a fresh
 *       {@code fc_norm}). Checked against timm 1.0 by the fixture in the tests.</li>
 * </ul>
 */
public final class BeitWeights {
    private static final String SHARED_TABLE = "rel_pos_bias.relative_position_bias_table";
    private static final String INDEX = "relative_position_index";

    private BeitWeights() {}

    /** Whether a state-dict key belongs to the backbone a downstream task keeps. */
    public static boolean isBackbone(String key) {
        return !key.equals("mask_token") && !key.startsWith("lm_head.") && !key.startsWith("cls_pt_");
    }

    public static Map<String, NDArray> authors(BeitPretrainingModel model) {
        return model.stateDict();
    }

    public static Map<String, NDArray> backbone(BeitPretrainingModel model) {
        return filter(model.stateDict(), BeitWeights::isBackbone);
    }

    /** The backbone under timm's {@code Beit} names (see the class comment). */
    public static Map<String, NDArray> timm(BeitPretrainingModel model) {
        Map<String, NDArray> backbone = backbone(model);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : backbone.entrySet()) {
            if (!e.getKey().startsWith("rel_pos_bias.") && !e.getKey().endsWith(INDEX)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        if (backbone.containsKey(SHARED_TABLE)) {
            for (int i = 0; i < model.config().depth(); i++) {
                out.put("blocks." + i + ".attn.relative_position_bias_table", backbone.get(SHARED_TABLE));
            }
        }
        return out;
    }

    /** Loads a full authors' checkpoint: every tensor of the model must be present. */
    public static void loadAuthors(BeitPretrainingModel model, Map<String, NDArray> tensors) {
        model.load(tensors, "");
    }

    /** Loads the authors' backbone keys; pretraining-only tensors keep their current values. */
    public static void loadBackbone(BeitPretrainingModel model, Map<String, NDArray> tensors) {
        model.load(tensors, "", BeitWeights::isBackbone);
    }

    /**
     * Loads a timm {@code beitv2_*} backbone into a model with per-block tables ({@code use_rel_pos_bias}),
     * the layout timm uses. The position indices are not in timm's files; ours follow from the grid.
     */
    public static void loadTimm(BeitPretrainingModel model, Map<String, NDArray> tensors) {
        if (!model.config().useRelPosBias() || model.config().useSharedRelPosBias()) {
            throw new IllegalArgumentException("timm weights need use_rel_pos_bias=true and "
                    + "use_shared_rel_pos_bias=false (timm has a table per block)");
        }
        model.load(tensors, "", key -> isBackbone(key) && !key.endsWith(INDEX));
    }

    public static Map<String, NDArray> read(Path file, ai.djl.ndarray.NDManager manager) throws IOException {
        return Safetensors.read(file, manager);
    }

    public static void write(Path file, Map<String, NDArray> tensors, String layout) throws IOException {
        Safetensors.write(file, tensors, Map.of("format", "pt", "layout", layout));
    }

    private static Map<String, NDArray> filter(Map<String, NDArray> tensors, Predicate<String> keep) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (keep.test(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
