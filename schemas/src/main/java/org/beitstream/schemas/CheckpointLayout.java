package org.beitstream.schemas;

/**
 * The objects of a published checkpoint (a set under {@code runs/<run-id>/checkpoints/step-<n>/}, manifest last),
 * the contract between the trainer that writes them and the evaluator that reads them.
 */
public final class CheckpointLayout {
    /** The pretraining model's tensors under the authors' key names. */
    public static final String MODEL = "model.safetensors";
    /** AdamW's moments. */
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** JSON: step, offsets, RNG, tokenizer version, and under {@code "model"} the architecture. */
    public static final String STATE = "state.json";
    /** The field of {@link #STATE} that holds the architecture (a {@code BeitConfig}). */
    public static final String STATE_MODEL_FIELD = "model";

    private CheckpointLayout() {}

    /** Where every checkpoint of a run is published. */
    public static String runPrefix(String runId) {
        return "runs/" + runId + "/checkpoints/";
    }

    /** Where the checkpoint of {@code step} is published; zero-padded, so listing order is step order. */
    public static String prefix(String runId, long step) {
        return runPrefix(runId) + String.format(java.util.Locale.ROOT, "step-%012d/", step);
    }
}
