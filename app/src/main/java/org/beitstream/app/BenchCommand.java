package org.beitstream.app;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.beit.PretrainingLoss;
import org.beitstream.model.masking.BlockwiseMaskingGenerator;
import org.beitstream.model.masking.MaskingConfig;
import org.beitstream.model.masking.SeededMaskRandom;
import org.beitstream.model.optim.LearningRateSchedule;
import org.beitstream.model.train.MimTrainingStep;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/** Benchmarks; one subcommand per part of the system. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure throughput and memory of parts of the system.",
        subcommands = {BenchCommand.ModelBench.class, org.beitstream.app.bench.BenchIngestCommand.class,
                org.beitstream.app.bench.BenchWorkerCommand.class, org.beitstream.app.bench.BenchTrainerCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The pretraining model on the CPU: forward and training-step throughput, FLOP/s achieved against a plain
     * matmul measured in the same process, and resident memory over a long run.
     */
    @Command(name = "model", mixinStandardHelpOptions = true,
            description = {"Throughput of the BEiT v2 pretraining model (forward; forward + CE + backward + AdamW)",
                    "and its FLOP/s next to a 1024x1024 float32 matmul, measured alternately in rounds;",
                    "or, with --memory-steps, resident memory over a long training run."})
    static final class ModelBench implements Callable<Integer> {
        /** RGB 32 px with the tiny width: CIFAR-sized images and the recipe's 8192-token vocabulary. */
        static final BeitConfig RGB32_TINY = new BeitConfig(32, 4, 3, 192, 6, 3, 4.0, 4, 2, 8192, 0.1,
                true, false, false, true, 0.02);
        /** The recipe masks 75 of 196 patches; other grids keep that fraction. */
        static final double MASK_RATIO = 75.0 / 196.0;
        private static final int MATMUL_SIZE = 1024;
        private static final int BATCHES = 4;

        @Option(names = "--configs", split = ",", defaultValue = "fmnist-tiny,rgb32-tiny",
                description = "Configurations to measure: BeitConfig presets (fmnist-tiny, base, ...) "
                        + "or rgb32-tiny (img 32, patch 4, 3 channels, dim 192, depth 6, heads 3, "
                        + "vocab 8192). Default: ${DEFAULT-VALUE}.")
        List<String> configs;

        @Option(names = "--batch", defaultValue = "64", description = "Images per step (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps per configuration before the "
                + "first round (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--steps", defaultValue = "5", description = "Timed steps per measurement "
                + "(default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds of matmul, forward and training "
                + "measured alternately; medians are reported (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--threads", description = "PyTorch intra-op threads (default: available processors).")
        Integer threads;

        @Option(names = "--memory-steps", description = "Instead of throughput: run N training steps on the first "
                + "configuration and report resident memory over time.")
        Integer memorySteps;

        @Option(names = "--json", description = "Print JSON lines instead of a table.")
        boolean json;

        private final ObjectMapper mapper = new ObjectMapper();

        @Override
        public Integer call() throws IOException {
            if (batch < 1 || steps < 1 || rounds < 1 || warmup < 0) {
                throw new IllegalArgumentException("--batch, --steps and --rounds must be >= 1, --warmup >= 0");
            }
            int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            // Read once, when the engine loads: it must be set before the first NDManager exists.
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threadCount));
            try (NDManager manager = NDManager.newBaseManager()) {
                if (memorySteps != null) {
                    memory(manager, configs.get(0), memorySteps);
                } else {
                    throughput(manager, threadCount);
                }
            }
            return 0;
        }

        private static BeitConfig configNamed(String name) {
            return name.equals("rgb32-tiny") ? RGB32_TINY : BeitConfig.preset(name);
        }

        static int maskedPerImage(BeitConfig config) {
            return (int) Math.round(config.numPatches() * MASK_RATIO);
        }

        /** Random images, blockwise masks as in pretraining, random tokens: data the timed loop only reads. */
        private record Batch(NDArray images, NDArray mask, NDArray labels) {
            static Batch random(NDManager manager, BeitConfig config, int batch, long seed) {
                int masked = maskedPerImage(config);
                MaskingConfig masking = new MaskingConfig(config.gridSize(), masked,
                        Math.max(1, (int) Math.round(16 * config.numPatches() / 196.0)), null, 0.3, null);
                BlockwiseMaskingGenerator generator = new BlockwiseMaskingGenerator(masking,
                        BlockwiseMaskingGenerator.Variant.BEIT_V2);
                SeededMaskRandom maskRandom = new SeededMaskRandom(seed);
                boolean[] mask = new boolean[batch * config.numPatches()];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(generator.generate(maskRandom).masked(), 0, mask, b * config.numPatches(),
                            config.numPatches());
                }
                Random random = new Random(seed);
                long[] labels = new long[batch * masked];
                Arrays.setAll(labels, i -> random.nextInt(config.vocabSize()));
                NDArray images = manager.randomNormal(0, 1,
                        new Shape(batch, config.inChans(), config.imgSize(), config.imgSize()), DataType.FLOAT32);
                return new Batch(images, manager.create(mask, new Shape(batch, config.numPatches())),
                        manager.create(labels));
            }
        }

        /** A model, its training step and a few batches of one configuration. */
        private record Subject(String name, BeitConfig config, BeitPretrainingModel model, MimTrainingStep training,
                               List<Batch> batches) {
            static Subject create(NDManager manager, String name, int batch) {
                BeitConfig config = configNamed(name);
                BeitPretrainingModel model = BeitPretrainingModel.create(config, manager, 1);
                // A constant small rate: the benchmark measures speed, and the loss must stay finite for hours.
                MimTrainingStep training = new MimTrainingStep(model, MimTrainingStep.Settings.recipe(
                        new LearningRateSchedule.ConstantAfterWarmup(1e-4, 0, 0)), manager, 0);
                List<Batch> batches = new ArrayList<>();
                for (int i = 0; i < BATCHES; i++) {
                    batches.add(Batch.random(manager, config, batch, 100 + i));
                }
                return new Subject(name, config, model, training, batches);
            }

            MimTrainingStep.Result train(int i) {
                Batch b = batches.get(i % batches.size());
                MimTrainingStep.Result result = training.step(b.images(), b.mask(), b.labels());
                if (result.skipped()) {
                    throw new IllegalStateException(name + ": training step " + i + " had a non-finite loss or gradient: " + result);
                }
                return result;
            }

            /** Forward pass and both cross-entropies, without gradients (the engine's default outside training). */
            void forward(NDManager parent, int i) {
                Batch b = batches.get(i % batches.size());
                try (NDManager step = parent.newSubManager()) {
                    b.images().tempAttach(step);
                    b.mask().tempAttach(step);
                    b.labels().tempAttach(step);
                    PretrainingLoss.of(model.forward(b.images(), b.mask()), b.labels()).total().getFloat();
                }
            }
        }

        private void throughput(NDManager manager, int threadCount) throws IOException {
            List<Subject> subjects = new ArrayList<>();
            for (String name : configs) {
                Subject subject = Subject.create(manager, name, batch);
                for (int i = 0; i < warmup; i++) {
                    subject.forward(manager, i);
                    subject.train(i);
                }
                subjects.add(subject);
            }
            matmulGflops(manager, 2); // warm-up of the matmul kernel

            // Alternating rounds so that a slow spell on the shared machine hits every measurement alike.
            // Each step is timed on its own; the median step is robust to the other users' bursts.
            List<Double> matmul = new ArrayList<>();
            Map<String, List<Double>> forwardSeconds = new LinkedHashMap<>();
            Map<String, List<Double>> trainSeconds = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                matmul.add(matmulGflops(manager, 10));
                for (Subject s : subjects) {
                    List<Double> forward = forwardSeconds.computeIfAbsent(s.name(), k -> new ArrayList<>());
                    List<Double> train = trainSeconds.computeIfAbsent(s.name(), k -> new ArrayList<>());
                    for (int i = 0; i < steps; i++) {
                        long start = System.nanoTime();
                        s.forward(manager, i);
                        forward.add((System.nanoTime() - start) / 1e9);
                    }
                    for (int i = 0; i < steps; i++) {
                        long start = System.nanoTime();
                        s.train(i);
                        train.add((System.nanoTime() - start) / 1e9);
                    }
                }
            }

            double matmulMedian = median(matmul);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Subject s : subjects) {
                MimTrainingStep.Flops flops = MimTrainingStep.flopsPerImage(s.config(), maskedPerImage(s.config()));
                double forwardStep = median(forwardSeconds.get(s.name()));
                double trainStep = median(trainSeconds.get(s.name()));
                double forwardGflops = batch * flops.forward() / forwardStep / 1e9;
                double trainGflops = batch * flops.training() / trainStep / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("config", s.name());
                row.put("batch", batch);
                row.put("threads", threadCount);
                row.put("rounds", rounds);
                row.put("steps_per_round", steps);
                row.put("masked_per_image", maskedPerImage(s.config()));
                row.put("forward_gflop_per_image", flops.forward() / 1e9);
                row.put("forward_median_step_s", forwardStep);
                row.put("forward_images_per_s", batch / forwardStep);
                row.put("forward_gflops", forwardGflops);
                row.put("train_median_step_s", trainStep);
                row.put("train_steps_per_s", 1 / trainStep);
                row.put("train_images_per_s", batch / trainStep);
                row.put("train_gflops", trainGflops);
                row.put("train_step_s", trainSeconds.get(s.name()));
                row.put("matmul_gflops", matmulMedian);
                row.put("matmul_gflops_rounds", matmul);
                row.put("forward_mfu", forwardGflops / matmulMedian);
                row.put("train_mfu", trainGflops / matmulMedian);
                rows.add(row);
            }
            if (json) {
                for (Map<String, Object> row : rows) {
                    System.out.println(mapper.writeValueAsString(row));
                }
                return;
            }
            System.out.printf("threads %d, batch %d, %d rounds of %d steps (median step times); matmul %dx%d float32: %.1f GFLOP/s%n",
                    threadCount, batch, rounds, steps, MATMUL_SIZE, MATMUL_SIZE, matmulMedian);
            System.out.printf("%-12s %9s %12s %10s %9s %12s %10s %9s%n", "config", "GFLOP/img", "fwd img/s",
                    "fwd GF/s", "fwd/mm", "train img/s", "train GF/s", "train/mm");
            for (Map<String, Object> r : rows) {
                System.out.printf("%-12s %9.3f %12.1f %10.1f %9.2f %12.1f %10.1f %9.2f%n", r.get("config"),
                        r.get("forward_gflop_per_image"), r.get("forward_images_per_s"), r.get("forward_gflops"),
                        r.get("forward_mfu"), r.get("train_images_per_s"), r.get("train_gflops"), r.get("train_mfu"));
            }
        }

        private static double matmulGflops(NDManager manager, int repetitions) {
            try (NDManager scope = manager.newSubManager()) {
                Shape shape = new Shape(MATMUL_SIZE, MATMUL_SIZE);
                NDArray a = scope.randomNormal(0, 1, shape, DataType.FLOAT32);
                NDArray b = scope.randomNormal(0, 1, shape, DataType.FLOAT32);
                long start = System.nanoTime();
                for (int i = 0; i < repetitions; i++) {
                    a.matMul(b).close();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                return repetitions * 2.0 * MATMUL_SIZE * MATMUL_SIZE * MATMUL_SIZE / seconds / 1e9;
            }
        }

        private static double median(List<Double> values) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        /**
         * Trains {@code total} steps and samples VmRSS about 100 times. Growth is measured from the sample at
         * 10% of the run, after allocator pools and the JIT have settled, to the last sample.
         */
        private void memory(NDManager manager, String name, int total) throws IOException {
            if (total < 10) {
                throw new IllegalArgumentException("--memory-steps must be >= 10, got " + total);
            }
            Subject s = Subject.create(manager, name, batch);
            int every = Math.max(1, total / 100);
            long start = System.nanoTime();
            List<long[]> samples = new ArrayList<>(); // {step, rssKiB}
            long reference = -1;
            MimTrainingStep.Result last = null;
            for (int i = 1; i <= total; i++) {
                last = s.train(i);
                if (i % every == 0 || i == total) {
                    long rss = residentKiB();
                    samples.add(new long[] {i, rss});
                    if (reference < 0 && i >= total / 10) {
                        reference = rss;
                    }
                    if (json) {
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("step", i);
                        line.put("seconds", (System.nanoTime() - start) / 1e9);
                        line.put("rss_mib", rss / 1024.0);
                        line.put("loss", last.loss());
                        System.out.println(mapper.writeValueAsString(line));
                    }
                }
            }
            long end = samples.get(samples.size() - 1)[1];
            long peak = samples.stream().mapToLong(x -> x[1]).max().orElse(end);
            double growth = 100.0 * (end - reference) / reference;
            double seconds = (System.nanoTime() - start) / 1e9;
            if (json) {
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("config", name);
                summary.put("batch", batch);
                summary.put("steps", total);
                summary.put("seconds", seconds);
                summary.put("rss_at_10pct_mib", reference / 1024.0);
                summary.put("rss_end_mib", end / 1024.0);
                summary.put("rss_peak_mib", peak / 1024.0);
                summary.put("growth_pct", growth);
                System.out.println(mapper.writeValueAsString(summary));
                return;
            }
            System.out.printf("%s batch %d: %d steps in %.0f s, final loss %.3f%n", name, batch, total, seconds,
                    last.loss());
            System.out.printf("%8s %10s%n", "step", "RSS MiB");
            int stride = Math.max(1, samples.size() / 10);
            for (int k = 0; k < samples.size(); k += stride) {
                System.out.printf("%8d %10.1f%n", samples.get(k)[0], samples.get(k)[1] / 1024.0);
            }
            System.out.printf("%8d %10.1f%n", samples.get(samples.size() - 1)[0], end / 1024.0);
            System.out.printf("RSS at 10%%: %.1f MiB, end: %.1f MiB, peak: %.1f MiB, growth 10%%->end: %+.2f%%%n",
                    reference / 1024.0, end / 1024.0, peak / 1024.0, growth);
        }

        /** VmRSS of this process in KiB, from /proc/self/status (Linux). */
        private static long residentKiB() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            throw new IOException("no VmRSS in /proc/self/status");
        }
    }
}
