package org.beitstream.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.PretrainingLoss;
import org.beitstream.model.beit.PretrainingOutput;
import org.beitstream.model.optim.AdamW;
import org.beitstream.model.optim.AdamWConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.optim.ParameterGroup;
import org.beitstream.model.optim.StepReport;

/**
 * One iteration of BEiT v2 pretraining, as the authors' {@code train_one_epoch} runs it:
 * <pre>
 *   logits_mim, logits_agg = model(images, bool_masked_pos)      // both at masked positions, [M, V]
 *   loss = CE(logits_mim, labels) + CE(logits_agg, labels)       // equal weights
 *   loss.backward()
 *   clip_grad_norm_(parameters, 3.0)
 *   AdamW step with lr = schedule(iteration), weight decay per the authors' groups
 * </pre>
 * A step whose loss (or gradient norm) is not finite changes no parameter and no optimizer state, but still
 * consumes its iteration of the schedule, as a skipped batch does in the authors' loop.
 *
 * <p>Every array the step creates lives on a sub-manager of the model's manager that is closed before
 * {@link #step} returns; the caller's inputs are attached to it only for the duration of the step, so a
 * long run keeps a flat memory profile. Works for any {@link BeitConfig} and batch size.
 */
public final class MimTrainingStep implements AutoCloseable {

    /**
     * How the model is optimised.
     *
     * @param optimizer   AdamW betas, eps and gradient clipping
     * @param weightDecay decoupled weight decay of the decayed group (0.05 in the recipe)
     * @param schedule    learning rate per iteration, counted from 0
     */
    public record Settings(AdamWConfig optimizer, double weightDecay, LearningRateSchedule schedule) {
        public Settings {
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
            }
        }

        /** The BEiT v2 recipe's optimizer (betas 0.9/0.98, clip 3.0, weight decay 0.05) with {@code schedule}. */
        public static Settings recipe(LearningRateSchedule schedule) {
            return new Settings(AdamWConfig.BEIT_V2_RECIPE, 0.05, schedule);
        }
    }

    /**
     * What one step measured.
     *
     * @param loss            lossMim + lossAggregation
     * @param lossMim         cross-entropy of the final layer's prediction at masked patches
     * @param lossAggregation cross-entropy of the patch-aggregation branch's prediction
     * @param mimAccuracy     fraction of masked patches whose arg-max token of the MIM head equals the label
     * @param gradNorm        global 2-norm of the gradients before clipping
     * @param learningRate    the scheduled learning rate of this iteration
     * @param skipped         true when the loss or a gradient was not finite and nothing was updated
     */
    public record Result(double loss, double lossMim, double lossAggregation, double mimAccuracy, double gradNorm,
                         double learningRate, boolean skipped) {
    }

    /**
     * Analytic floating-point operations for one image, counting a multiply-add as 2.
     *
     * @param forward  one forward pass including both heads at the masked positions
     * @param training forward + backward; the backward of a matmul costs two matmuls of the same size
     *                 (gradient of the input and of the weight), so training = 3 × forward
     */
    public record Flops(double forward, double training) {
    }

    private final BeitPretrainingModel model;
    private final NDManager manager;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private long iteration;

    /**
     * Prepares {@code model} for training (attaches gradients) and creates its optimizer.
     *
     * @param manager parent of the optimizer state and of each step's arrays; the model's manager or a child
     * @param firstIteration the iteration the schedule starts at (0, or the one after a restored checkpoint)
     */
    public MimTrainingStep(BeitPretrainingModel model, Settings settings, NDManager manager, long firstIteration) {
        if (firstIteration < 0) {
            throw new IllegalArgumentException("first iteration must be >= 0, got " + firstIteration);
        }
        this.model = model;
        this.manager = manager;
        this.schedule = settings.schedule();
        this.iteration = firstIteration;
        model.attachGradients();
        this.optimizer = new AdamW(ParameterGroup.authorsGroups(model.parameters(), settings.weightDecay(),
                ParameterGroup.DEFAULT_SKIP_LIST), settings.optimizer(), manager);
    }

    /**
     * Runs one iteration.
     *
     * @param images        {@code [B, C, H, W]} float32
     * @param boolMaskedPos {@code [B, N]} boolean, true = masked
     * @param labels        {@code [M]} int64 visual tokens of the masked patches, image-major then patch index
     */
    public Result step(NDArray images, NDArray boolMaskedPos, NDArray labels) {
        double learningRate = schedule.at(iteration++);
        try (NDManager stepManager = manager.newSubManager()) {
            // Ops attach their results to the manager of the array they are called on: with the inputs on the
            // step's manager, every intermediate array (and its autograd graph) is freed when it closes.
            images.tempAttach(stepManager);
            boolMaskedPos.tempAttach(stepManager);
            labels.tempAttach(stepManager);

            PretrainingLoss loss;
            double accuracy;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                // Only the losses outlive the forward pass. The other arrays are released before the backward
                // pass, which then frees each activation once it has used it, as PyTorch does in Python.
                try (NDScope forward = new NDScope()) {
                    PretrainingOutput output = model.forward(images, boolMaskedPos);
                    loss = PretrainingLoss.of(output, labels);
                    accuracy = accuracy(output.logitsMim(), labels);
                    NDScope.unregister(loss.lossMim(), loss.lossClsPt(), loss.total());
                }
                collector.backward(loss.total());
            }
            double total = loss.total().getFloat();
            StepReport report = optimizer.step(total, learningRate);
            return new Result(total, loss.lossMim().getFloat(), loss.lossClsPt().getFloat(), accuracy,
                    report.gradNorm(), learningRate, report.skipped());
        }
    }

    private static double accuracy(NDArray logits, NDArray labels) {
        NDArray predicted = logits.stopGradient().argMax(-1);
        return predicted.eq(labels.toType(predicted.getDataType(), false))
                .toType(DataType.FLOAT32, false).mean().getFloat();
    }

    /**
     * FLOPs per image of {@code config} with {@code maskedPerImage} masked patches. With {@code T = N + 1}
     * tokens, width {@code D}, MLP width {@code H = mlpRatio·D}, {@code P²·C} pixels per patch and {@code V}
     * tokens in the vocabulary, only matrix products are counted (norms, softmax, GELU and additions are
     * O(T·D), a few percent at these sizes):
     * <pre>
     *   patch embedding          2 · N · (P²C) · D
     *   per block                2·T·D·3D (qkv) + 2·T²·D (q·kᵀ) + 2·T²·D (attention·v) + 2·T·D² (proj)
     *                            + 2 · 2·T·D·H (fc1, fc2)          = 8TD² + 4T²D + 4TDH
     *   blocks                   depth + head_layers (the aggregation branch also runs on T tokens)
     *   heads                    2 · 2·M·D·V (lm_head on the masked tokens, once per branch)
     *   training                 3 × forward
     * </pre>
     */
    public static Flops flopsPerImage(BeitConfig config, int maskedPerImage) {
        double n = config.numPatches();
        double t = n + 1;
        double d = config.embedDim();
        double h = (int) (config.embedDim() * config.mlpRatio());
        double pixelsPerPatch = (double) config.patchSize() * config.patchSize() * config.inChans();
        double patchEmbed = 2 * n * pixelsPerPatch * d;
        double block = 8 * t * d * d + 4 * t * t * d + 4 * t * d * h;
        double blocks = (config.depth() + config.headLayers()) * block;
        double heads = 2 * 2.0 * maskedPerImage * d * config.vocabSize();
        double forward = patchEmbed + blocks + heads;
        return new Flops(forward, 3 * forward);
    }

    public BeitPretrainingModel model() {
        return model;
    }

    /** The optimizer, whose state a checkpoint saves and restores. */
    public AdamW optimizer() {
        return optimizer;
    }

    /** The iteration the next {@link #step} will run (its learning rate is {@code schedule.at(iteration())}). */
    public long iteration() {
        return iteration;
    }

    /** Frees the optimizer state; the model stays with its owner. */
    @Override
    public void close() {
        optimizer.close();
    }
}
