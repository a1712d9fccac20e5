package org.beitstream.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.optim.AdamW;
import org.beitstream.model.optim.AdamWConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.optim.ParameterGroup;
import org.beitstream.model.optim.StepReport;

import java.util.ArrayList;
import java.util.List;

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
 *
 * <p>Data parallel over several devices of one machine: the model it is built with (replica 0, with the
 * optimizer) and a {@link Replica} on each further device each take a contiguous share of the batch's images.
 * Their passes are all queued before anything is read back; the gradients, each weighted by its share of the
 * masked tokens, are summed into replica 0's, which alone is clipped and updated, and the other replicas then
 * copy its parameters. On one device this is the plain step above.
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
    private final List<Device> devices;
    /** The copies on {@code devices[1..]}. */
    private final List<Replica> replicas;
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
        this(model, settings, manager, firstIteration, List.of(manager.getDevice()));
    }

    /**
     * As the plain constructor, training data parallel on {@code devices}: the first is where {@code model} and
     * {@code manager} are, every further one gets a copy of the model. A device may be listed more than once
     * (each entry is a separate copy), which is how the maths is tested on a CPU.
     */
    public MimTrainingStep(BeitPretrainingModel model, Settings settings, NDManager manager, long firstIteration,
                           List<Device> devices) {
        if (firstIteration < 0) {
            throw new IllegalArgumentException("first iteration must be >= 0, got " + firstIteration);
        }
        if (devices.isEmpty() || !devices.get(0).equals(manager.getDevice())) {
            throw new IllegalArgumentException("the first device must be the model's (" + manager.getDevice()
                    + "), got " + devices);
        }
        this.model = model;
        this.manager = manager;
        this.devices = List.copyOf(devices);
        this.schedule = settings.schedule();
        this.iteration = firstIteration;
        model.attachGradients();
        this.replicas = new ArrayList<>();
        for (Device device : this.devices.subList(1, this.devices.size())) {
            replicas.add(Replica.of(model, manager, device));
        }
        this.optimizer = new AdamW(ParameterGroup.authorsGroups(model.parameters(), settings.weightDecay(),
                ParameterGroup.DEFAULT_SKIP_LIST), settings.optimizer(), manager);
    }

    /**
     * Runs one iteration.
     *
     * @param images        {@code [B, C, H, W]} float32
     * @param boolMaskedPos {@code [B, N]} boolean, true = masked
     * @param labels        {@code [M]} int64 visual tokens of the masked patches, image-major then patch index
     * @throws IllegalArgumentException when the batch has fewer images than there are devices
     */
    public Result step(NDArray images, NDArray boolMaskedPos, NDArray labels) {
        // One device reads nothing before the pass; several need the masked tokens per image to split the labels.
        BatchSplit split = devices.size() == 1
                ? new BatchSplit(List.of(new BatchSplit.Chunk(0, images.getShape().get(0), 0, labels.size(), 1.0)))
                : BatchSplit.of(BatchSplit.maskedPerImage(boolMaskedPos), devices.size());
        double learningRate = schedule.at(iteration++);
        try (NDManager stepManager = manager.newSubManager()) {
            // Ops attach their results to the manager of the array they are called on: with the inputs on the
            // step's manager, every intermediate array (and its autograd graph) is freed when it closes.
            images.tempAttach(stepManager);
            boolMaskedPos.tempAttach(stepManager);
            labels.tempAttach(stepManager);

            List<ReplicaPass> passes = new ArrayList<>(devices.size());
            for (int i = 0; i < devices.size(); i++) {
                BatchSplit.Chunk chunk = split.chunks().get(i);
                // A replica's arrays go to a sub-manager on its device, closed with the step's.
                NDManager on = i == 0 ? stepManager : stepManager.newSubManager(devices.get(i));
                BeitPretrainingModel replica = i == 0 ? model : replicas.get(i - 1).model();
                passes.add(ReplicaPass.run(replica, part(images, chunk.imageFrom(), chunk.imageTo(), on),
                        part(boolMaskedPos, chunk.imageFrom(), chunk.imageTo(), on),
                        part(labels, chunk.labelFrom(), chunk.labelTo(), on), chunk.weight()));
            }
            replicas.forEach(r -> r.addGradientsTo(model));

            // Every pass is queued: reading the losses now waits for all of them at once.
            double total = 0;
            double lossMim = 0;
            double lossAggregation = 0;
            double accuracy = 0;
            for (int i = 0; i < passes.size(); i++) {
                double weight = split.chunks().get(i).weight();
                ReplicaPass pass = passes.get(i);
                total += weight * pass.loss().total().getFloat();
                lossMim += weight * pass.loss().lossMim().getFloat();
                lossAggregation += weight * pass.loss().lossClsPt().getFloat();
                accuracy += weight * pass.accuracy().getFloat();
            }
            StepReport report = optimizer.step(total, learningRate);
            replicas.forEach(r -> r.synchronizeWith(model));
            return new Result(total, lossMim, lossAggregation, accuracy, report.gradNorm(), learningRate,
                    report.skipped());
        }
    }

    /**
     * Rows {@code [from, to)} of {@code whole} on {@code target}'s device and manager; all rows on the same device
     * (one device) are the caller's array as it is.
     */
    private static NDArray part(NDArray whole, long from, long to, NDManager target) {
        if (from == 0 && to == whole.getShape().get(0) && whole.getDevice().equals(target.getDevice())) {
            return whole;
        }
        NDArray rows = whole.get(from + ":" + to).toDevice(target.getDevice(), false);
        rows.attach(target);
        return rows;
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

    /** The copies of the model on the further devices, for checking that they follow it. */
    List<Replica> replicas() {
        return List.copyOf(replicas);
    }

    /** Frees the optimizer state and the replicas; the model stays with its owner. */
    @Override
    public void close() {
        optimizer.close();
        replicas.forEach(Replica::close);
    }
}
