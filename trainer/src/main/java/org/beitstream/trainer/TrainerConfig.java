package org.beitstream.trainer;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.masking.MaskingConfig;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.train.MimTrainingStep;
import org.beitstream.runtime.config.SettingException;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.regex.Pattern;

/**
 * How one trainer run trains. Every invalid value is rejected naming its command-line flag.
 *
 * @param runId                   names the run: checkpoints live under {@code runs/<run-id>/}; an existing id resumes
 * @param preset                  the model preset's name (recorded with checkpoints)
 * @param model                   the architecture; its grid and vocabulary must match the tokenizer's
 * @param tokenizerVersion        train on this version only; empty pins the version of the first record seen
 * @param batchSize               images per step
 * @param schedule                learning rate over steps
 * @param checkpoints             when checkpoints are written and how many are kept
 * @param limits                  when a bounded run stops
 * @param replay                  the optional buffer of past samples mixed into fresh batches
 * @param seed                    initialisation, masks and replay draws all derive from it
 * @param maskedPatchesPerImage   patches masked per image (about 40% of the grid by default, as BEiT's 75 of 196)
 * @param metricsEverySteps       steps per metrics.train record
 * @param maxConsecutiveNonFinite non-finite steps in a row after which the run stops with an error
 * @param initWeights             weights to start a new run from: a safetensors file with the authors' keys, or a
 *                                checkpoint prefix in the object store ({@code runs/<id>/checkpoints/step-.../})
 * @param devices                 where the model trains: the CPU, or data parallel over one or several GPUs
 */
public record TrainerConfig(String runId, String preset, BeitConfig model, Optional<String> tokenizerVersion,
                            int batchSize, Schedule schedule, Checkpointing checkpoints, Limits limits,
                            Replay replay, long seed, int maskedPatchesPerImage, int metricsEverySteps,
                            int maxConsecutiveNonFinite, Optional<String> initWeights, Devices devices) {

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum ScheduleKind {
        /** Warm-up, then the base rate for ever: the default for an endless stream. */
        CONSTANT,
        /** Warmup-stable-decay: with --max-steps the last decay steps anneal to 0, else stable until stopped. */
        WSD
    }

    /**
     * @param kind         constant or warmup-stable-decay
     * @param learningRate the base rate reached after warm-up
     * @param warmupSteps  linear warm-up from 0
     * @param decaySteps   length of the final cosine decay of {@link ScheduleKind#WSD}
     */
    public record Schedule(ScheduleKind kind, double learningRate, long warmupSteps, long decaySteps) {
        public Schedule {
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new SettingException("--lr", "must be a positive finite number, got " + learningRate);
            }
            if (warmupSteps < 0) {
                throw new SettingException("--warmup-steps", "must be >= 0, got " + warmupSteps);
            }
            if (decaySteps < 1) {
                throw new SettingException("--decay-steps", "must be >= 1, got " + decaySteps);
            }
        }
    }

    /**
     * @param everySteps  checkpoint when the step count is a multiple of this; 0 = not by steps
     * @param every       checkpoint when this much time passed since the last one; zero = not by time
     * @param keep        how many of the newest checkpoints retention keeps
     */
    public record Checkpointing(long everySteps, Duration every, int keep) {
        public Checkpointing {
            if (everySteps < 0) {
                throw new SettingException("--checkpoint-every-steps", "must be >= 0 (0 = off), got " + everySteps);
            }
            if (every.isNegative()) {
                throw new SettingException("--checkpoint-every-minutes", "must be >= 0 (0 = off), got " + every);
            }
            if (keep < 1) {
                throw new SettingException("--keep-checkpoints", "must be >= 1, got " + keep);
            }
        }
    }

    /**
     * @param maxSteps    stop when the run reaches this step (counted across resumes); 0 = no limit
     * @param maxDuration stop after this much time in this process; zero = no limit
     */
    public record Limits(long maxSteps, Duration maxDuration) {
        public Limits {
            if (maxSteps < 0) {
                throw new SettingException("--max-steps", "must be >= 0 (0 = no limit), got " + maxSteps);
            }
            if (maxDuration.isNegative()) {
                throw new SettingException("--minutes", "must be >= 0 (0 = no limit), got " + maxDuration);
            }
        }

        public static Limits none() {
            return new Limits(0, Duration.ZERO);
        }
    }

    /**
     * @param capacity samples the reservoir holds; 0 disables replay
     * @param fraction share of each batch drawn from the reservoir once it holds enough samples
     */
    public record Replay(int capacity, double fraction) {
        public Replay {
            if (capacity < 0) {
                throw new SettingException("--replay-buffer", "must be >= 0 (0 = off), got " + capacity);
            }
            if (!(fraction >= 0 && fraction < 1)) {
                throw new SettingException("--replay-fraction", "must be in [0, 1), got " + fraction);
            }
        }

        public static Replay off() {
            return new Replay(0, 0);
        }
    }

    /**
     * The devices asked for with {@code --devices}: {@code auto} (every GPU the engine reports, else the CPU),
     * {@code cpu}, or a number of GPUs. Which devices that is depends on the machine: see {@link #resolve}.
     *
     * @param kind how they are chosen
     * @param gpus the number of GPUs of {@link Kind#GPUS}; 0 otherwise
     */
    public record Devices(Kind kind, int gpus) {
        public static final Devices AUTO = new Devices(Kind.AUTO, 0);
        public static final Devices CPU = new Devices(Kind.CPU, 0);

        public enum Kind { AUTO, CPU, GPUS }

        public Devices {
            if (kind == Kind.GPUS && gpus < 1) {
                throw new SettingException("--devices", "a number of GPUs must be >= 1, got " + gpus);
            }
            if (kind != Kind.GPUS && gpus != 0) {
                throw new SettingException("--devices", kind + " takes no number of GPUs, got " + gpus);
            }
        }

        /** Reads {@code auto}, {@code cpu} or a number of GPUs. */
        public static Devices parse(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("auto")) {
                return AUTO;
            }
            if (v.equals("cpu")) {
                return CPU;
            }
            try {
                return new Devices(Kind.GPUS, Integer.parseInt(v));
            } catch (NumberFormatException e) {
                throw new SettingException("--devices", "must be auto, cpu or a number of GPUs, got '" + value + "'");
            }
        }

        /**
         * The devices on a machine whose engine reports {@code availableGpus} GPUs, the first one the model's.
         *
         * @throws SettingException when more GPUs are asked for than there are
         */
        public List<Device> resolve(int availableGpus) {
            return switch (kind) {
                case CPU -> List.of(Device.cpu());
                case AUTO -> availableGpus == 0 ? List.of(Device.cpu()) : firstGpus(availableGpus);
                case GPUS -> {
                    if (gpus > availableGpus) {
                        throw new SettingException("--devices", "asks for " + gpus + " GPUs, but the engine reports "
                                + availableGpus);
                    }
                    yield firstGpus(gpus);
                }
            };
        }

        private static List<Device> firstGpus(int count) {
            return IntStream.range(0, count).mapToObj(Device::gpu).toList();
        }

        @Override
        public String toString() {
            return kind == Kind.GPUS ? Integer.toString(gpus) : kind.name().toLowerCase(Locale.ROOT);
        }
    }

    public TrainerConfig {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw new SettingException("--run-id", "'" + runId
                    + "' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        tokenizerVersion.ifPresent(v -> {
            if (v.isBlank()) {
                throw new SettingException("--tokenizer-version", "must not be blank");
            }
        });
        if (batchSize < 1 || batchSize > 65536) {
            throw new SettingException("--batch-size", "must be in 1..65536, got " + batchSize);
        }
        if (maskedPatchesPerImage < 1 || maskedPatchesPerImage > model.numPatches()) {
            throw new SettingException("--masked-patches", "must be in 1.." + model.numPatches() + " for a "
                    + model.gridSize() + "x" + model.gridSize() + " grid, got " + maskedPatchesPerImage);
        }
        if (replay.capacity() > 0 && Math.round(replay.fraction() * batchSize) >= batchSize) {
            throw new SettingException("--replay-fraction", "leaves no fresh image in a batch of " + batchSize);
        }
        if (metricsEverySteps < 1) {
            throw new SettingException("--metrics-every-steps", "must be >= 1, got " + metricsEverySteps);
        }
        if (maxConsecutiveNonFinite < 1) {
            throw new SettingException("--max-nonfinite-steps", "must be >= 1, got " + maxConsecutiveNonFinite);
        }
    }

    /**
     * The devices this run trains on, with {@code availableGpus} GPUs on the machine: each takes a share of
     * every batch, so there must be at least as many images as devices.
     */
    public List<Device> trainingDevices(int availableGpus) {
        List<Device> resolved = devices.resolve(availableGpus);
        if (resolved.size() > batchSize) {
            throw new SettingException("--batch-size", "must be at least the " + resolved.size()
                    + " devices a batch is split over, got " + batchSize);
        }
        return resolved;
    }

    /** About 40% of the grid, at least one patch: BEiT masks 75 of 196. */
    public static int defaultMaskedPatches(BeitConfig model) {
        return Math.max(1, (int) Math.round(0.4 * model.numPatches()));
    }

    /** The defaults of {@code ./beit-stream trainer} for {@code preset}. */
    public static TrainerConfig defaults(String runId, String preset, BeitConfig model) {
        return new TrainerConfig(runId, preset, model, Optional.empty(), 64,
                new Schedule(ScheduleKind.CONSTANT, 1.5e-3, 1000, 1000),
                new Checkpointing(1000, Duration.ofMinutes(30), 3), Limits.none(), Replay.off(), 0,
                defaultMaskedPatches(model), 10, 100, Optional.empty(), Devices.AUTO);
    }

    /**
     * The blockwise masking of the recipe scaled to this grid: the smallest block covers 16/196 of it (16 patches
     * at 14x14, 4 at 7x7), never more than the masked count, with aspect ratios in [0.3, 1/0.3].
     */
    public MaskingConfig masking() {
        int minBlock = Math.max(1, (int) Math.round(16.0 / 196 * model.numPatches()));
        return new MaskingConfig(model.gridSize(), maskedPatchesPerImage, Math.min(minBlock, maskedPatchesPerImage),
                null, 0.3, null);
    }

    /** AdamW and clipping of the recipe with this run's schedule. */
    public MimTrainingStep.Settings optimization() {
        double lr = schedule.learningRate();
        LearningRateSchedule rate = switch (schedule.kind()) {
            case CONSTANT -> new LearningRateSchedule.ConstantAfterWarmup(lr, schedule.warmupSteps(), 0);
            case WSD -> {
                var stable = LearningRateSchedule.WarmupStableDecay.unbounded(lr, 0, schedule.warmupSteps(),
                        schedule.decaySteps(), 0);
                long decayStart = limits.maxSteps() - schedule.decaySteps();
                yield limits.maxSteps() > 0 && decayStart >= schedule.warmupSteps()
                        ? stable.decayingFrom(decayStart) : stable;
            }
        };
        return MimTrainingStep.Settings.recipe(rate);
    }

    /** The configuration as JSON, stored in checkpoints and their announcements. */
    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode()
                .put("runId", runId)
                .put("preset", preset)
                .put("batchSize", batchSize)
                .put("schedule", schedule.kind().name().toLowerCase(Locale.ROOT))
                .put("learningRate", schedule.learningRate())
                .put("warmupSteps", schedule.warmupSteps())
                .put("decaySteps", schedule.decaySteps())
                .put("checkpointEverySteps", checkpoints.everySteps())
                .put("checkpointEverySeconds", checkpoints.every().toSeconds())
                .put("keepCheckpoints", checkpoints.keep())
                .put("maxSteps", limits.maxSteps())
                .put("maxSeconds", limits.maxDuration().toSeconds())
                .put("replayCapacity", replay.capacity())
                .put("replayFraction", replay.fraction())
                .put("seed", seed)
                .put("maskedPatchesPerImage", maskedPatchesPerImage)
                .put("metricsEverySteps", metricsEverySteps)
                .put("maxConsecutiveNonFinite", maxConsecutiveNonFinite);
        json.set("model", JSON.valueToTree(model));
        tokenizerVersion.ifPresent(v -> json.put("tokenizerVersion", v));
        initWeights.ifPresent(w -> json.put("initWeights", w));
        return json;
    }
}
