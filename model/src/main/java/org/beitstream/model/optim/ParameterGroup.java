package org.beitstream.model.optim;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parameters sharing one weight decay and learning-rate scale, as the authors' {@code get_parameter_groups}
 * forms them.
 *
 * @param weightDecay decoupled weight decay of the group
 * @param lrScale     multiplier of the scheduled learning rate (1 unless layer-wise decay is used)
 * @param parameters  name to tensor, in model order
 */
public record ParameterGroup(double weightDecay, double lrScale, Map<String, NDArray> parameters) {

    /** What the authors exclude by name besides vectors and biases ({@code model.no_weight_decay()}). */
    public static final Set<String> DEFAULT_SKIP_LIST = Set.of("cls_token", "pos_embed");

    /**
     * Splits parameters into a decayed and an undecayed group. Vectors (LayerNorm, layer scale, q/v
     * biases), names ending {@code .bias} and the skip list go without decay; decay on a norm's gain or a
     * bias only shrinks it towards a value with no special meaning. Everything else, the mask token and the
     * relative position tables included, is decayed, as in the authors' code. Empty groups are dropped.
     */
    public static List<ParameterGroup> authorsGroups(Map<String, NDArray> parameters, double weightDecay,
                                                     Set<String> skipList) {
        Map<String, NDArray> noDecay = new LinkedHashMap<>();
        Map<String, NDArray> decay = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            boolean exempt = p.getShape().dimension() <= 1 || name.endsWith(".bias") || skipList.contains(name);
            (exempt ? noDecay : decay).put(name, p);
        });
        List<ParameterGroup> groups = new ArrayList<>();
        if (!noDecay.isEmpty()) {
            groups.add(new ParameterGroup(0.0, 1.0, noDecay));
        }
        if (!decay.isEmpty()) {
            groups.add(new ParameterGroup(weightDecay, 1.0, decay));
        }
        return groups;
    }
}
