package org.beitstream.model.vqkd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.beitstream.model.optim.AdamW;
import org.beitstream.model.optim.AdamWConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.optim.ParameterGroup;
import org.beitstream.model.optim.StepReport;
import org.beitstream.model.teacher.PatchTeacher;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * One optimisation step of VQ-KD, as the authors' {@code train_one_epoch} does it: a training-mode forward
 * against the teacher (which also moves the codebook by EMA, and re-seeds dead codes when the config asks
 * for it), backward of commitment + reconstruction loss, then AdamW over the encoder, decoder and task
 * layers with the authors' weight-decay groups, global-norm clipping and a per-step learning rate.
 *
 * <p>Each step computes on its own sub-manager, closed before it returns, so memory stays flat however
 * long training runs; only the weights, the codebook and the optimizer moments live across steps.
 */
public final class VqkdTrainingStep implements AutoCloseable {
    /**
     * What the authors' {@code no_weight_decay()} names besides vectors and biases (the codebook is not a
     * gradient-trained parameter here, so it is not listed).
     */
    public static final Set<String> NO_WEIGHT_DECAY = Set.of(
            "encoder.cls_token", "encoder.pos_embed", "decoder.cls_token", "decoder.pos_embed");

    /**
     * @param weightDecay decoupled weight decay of the decayed group (1e-4 in the authors' tokenizer recipe)
     * @param optimizer   AdamW betas, eps and the global gradient-norm clip
     * @param schedule    the learning rate per step
     */
    public record Settings(double weightDecay, AdamWConfig optimizer, LearningRateSchedule schedule) {
        /**
         * The authors' tokenizer recipe ({@code TOKENIZER.md}): betas (0.9, 0.99), weight decay 1e-4. Their
         * script clips nothing by default; we clip at 3.0 (the pretraining recipe's value) because small
         * batches on a stream give the occasional outlier gradient that a 2048-image batch averages away.
         */
        public static Settings recipe(LearningRateSchedule schedule) {
            return new Settings(1e-4, new AdamWConfig(0.9, 0.99, 1e-8, 3.0), schedule);
        }

        public Settings {
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
            }
            if (optimizer == null || schedule == null) {
                throw new IllegalArgumentException("optimizer settings and learning-rate schedule must be given");
            }
        }
    }

    /**
     * What one step did.
     *
     * @param optimizer          the AdamW report (step count, learning rate, gradient norm, clipped, skipped)
     * @param loss               commitment + reconstruction loss of the batch, before the update
     * @param reconstructionLoss mean of 1 - cos(decoder output, teacher feature)
     * @param commitmentLoss     mse between unit encoder outputs and their codes
     * @param deadCodesRestarted codes re-seeded in this step
     * @param codeCounts         how many of the batch's patches chose each code (length = codebook size)
     */
    public record Result(StepReport optimizer, double loss, double reconstructionLoss, double commitmentLoss,
                         int deadCodesRestarted, long[] codeCounts) {

        /** How evenly this batch used the codebook. */
        public CodebookUsage usage() {
            double[] counts = new double[codeCounts.length];
            for (int k = 0; k < counts.length; k++) {
                counts[k] = codeCounts[k];
            }
            return CodebookUsage.of(counts);
        }
    }

    private final VqkdTokenizer tokenizer;
    private final PatchTeacher teacher;
    private final LearningRateSchedule schedule;
    private final NDManager manager;
    private final AdamW adamW;

    /** Trains {@code tokenizer} towards {@code teacher}; neither is closed by this step. */
    public VqkdTrainingStep(VqkdTokenizer tokenizer, PatchTeacher teacher, Settings settings, NDManager parent) {
        VqkdConfig config = tokenizer.config();
        if (teacher.featureDim() != config.decoderOutDim()) {
            throw new IllegalArgumentException("teacher features are " + teacher.featureDim()
                    + " wide but the tokenizer's decoder_out_dim is " + config.decoderOutDim());
        }
        this.tokenizer = tokenizer;
        this.teacher = teacher;
        this.schedule = settings.schedule();
        this.manager = parent.newSubManager();
        tokenizer.trainableParameters().values().forEach(p -> p.setRequiresGradient(true));
        this.adamW = new AdamW(ParameterGroup.authorsGroups(tokenizer.trainableParameters(), settings.weightDecay(),
                NO_WEIGHT_DECAY), settings.optimizer(), manager);
    }

    /** Images [count, C, H, W] in the tokenizer's input shape: what {@link #step} expects. */
    public Shape batchShape(int count) {
        ViTConfig encoder = tokenizer.config().encoder();
        return new Shape(count, encoder.inChans(), encoder.imgSize(), encoder.imgSize());
    }

    /**
     * Trains on one batch of 8-bit images, channel-major ({@code count x C x H x W} unsigned bytes).
     * They are scaled to [0, 1] here, so the tokenizer's data-dependent pre-processing never mistakes a dark
     * batch for one already in [0, 1].
     */
    public Result step(byte[] pixels, int count) {
        Shape shape = batchShape(count);
        if (count < 1 || pixels.length != shape.size()) {
            throw new IllegalArgumentException("a batch of " + count + " images needs " + shape.size()
                    + " bytes (" + shape + "), got " + pixels.length);
        }
        try (NDManager step = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray images = step.create(ByteBuffer.wrap(pixels), shape, DataType.UINT8)
                    .toType(DataType.FLOAT32, false).div(255);
            VqkdOutput out = tokenizer.forward(images, teacher, true);
            collector.backward(out.totalLoss());
            double loss = out.totalLoss().getFloat();
            StepReport report = adamW.step(loss, schedule.at(adamW.stepCount()));
            long[] counts = new long[tokenizer.config().nEmbed()];
            for (long token : out.quantization().tokens().toLongArray()) {
                counts[Math.toIntExact(token)]++;
            }
            return new Result(report, loss, out.reconstructionLoss().getFloat(),
                    out.quantization().commitmentLoss().getFloat(), out.quantization().restartedCodes(), counts);
        }
    }

    public long stepCount() {
        return adamW.stepCount();
    }

    @Override
    public void close() {
        adamW.close();
        manager.close();
    }
}
