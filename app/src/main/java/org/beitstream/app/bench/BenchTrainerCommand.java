package org.beitstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.schemas.CheckpointLayout;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.beit.BeitPretrainingModel;
import org.beitstream.model.train.MimTrainingStep;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.storage.ObjectInfo;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.runtime.storage.PublishedSets;
import org.beitstream.schemas.PixelTensor;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;
import org.beitstream.trainer.Trainer;
import org.beitstream.trainer.TrainerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * The trainer (Kafka input, prefetching, masking, metrics, checkpoints) against the bare training step of the
 * model module on the same batch size; the stall a checkpoint causes; checkpoint publication against a raw PUT.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true,
        description = "Trainer throughput against the bare training step; checkpoint stall and upload speed.")
public final class BenchTrainerCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "fmnist-tiny")
    String preset;

    @Option(names = "--batch-size", defaultValue = "64")
    int batchSize;

    @Option(names = "--steps", defaultValue = "60", description = "Training steps per measurement.")
    int steps;

    @Option(names = "--checkpoint-every", defaultValue = "10", description = "Steps between checkpoints in the stall run.")
    int checkpointEvery;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating rounds.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        BeitConfig model = BeitConfig.preset(preset);
        Path dir = Files.createTempDirectory("beit-stream-bench-trainer");
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir, "bench"));
             ObjectStore store = new ObjectStore(infra.s3())) {
            produceTokenizedImages(infra, model, steps * batchSize);
            List<Double> bare = new ArrayList<>();
            List<Double> trainer = new ArrayList<>();
            List<Double> withCheckpoints = new ArrayList<>();
            int run = 0;
            trainerSeconds(infra, store, model, 0, run++); // warm-up, not counted
            for (int round = 0; round < rounds; round++) {
                bare.add(bareSeconds(model));
                trainer.add(trainerSeconds(infra, store, model, 0, run++));
                withCheckpoints.add(trainerSeconds(infra, store, model, checkpointEvery, run++));
            }
            double bareRate = steps * batchSize / Medians.of(bare);
            double trainerRate = steps * batchSize / Medians.of(trainer);
            double stepSeconds = Medians.of(trainer) / steps;
            double stallSeconds = (Medians.of(withCheckpoints) - Medians.of(trainer)) / (steps / checkpointEvery);
            System.out.printf(Locale.ROOT, "%s, batch %d, %d steps per run, %d rounds (medians)%n", preset, batchSize,
                    steps, rounds);
            System.out.printf(Locale.ROOT, "bare training step   %8.1f images/s%n", bareRate);
            System.out.printf(Locale.ROOT, "trainer (streamed)   %8.1f images/s   ratio %.2f   (run wall times incl. start-up)%n",
                    trainerRate, trainerRate / bareRate);
            System.out.printf(Locale.ROOT, "checkpoint stall     %8.3f s per checkpoint vs %.3f s per step (%.2f steps)%n",
                    stallSeconds, stepSeconds, stallSeconds / stepSeconds);
            uploadSpeed(store, CheckpointLayout.runPrefix("bench-" + (run - 1)));
        }
        return 0;
    }

    private void produceTokenizedImages(EmbeddedInfra infra, BeitConfig model, int count) {
        int side = model.imgSize();
        int grid = side / model.patchSize();
        Random random = new Random(1);
        var props = infra.kafka().clientProperties("bench-tokenized-producer");
        try (KafkaProducer<String, TokenizedImage> producer = new KafkaProducer<>(props,
                Topics.IMAGES_TOKENIZED.keySerde().serializer(), Topics.IMAGES_TOKENIZED.valueSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                byte[] pixels = new byte[model.inChans() * side * side];
                random.nextBytes(pixels);
                List<Integer> tokens = new ArrayList<>();
                for (int t = 0; t < grid * grid; t++) {
                    tokens.add(random.nextInt(model.vocabSize()));
                }
                TokenizedImage image = TokenizedImage.newBuilder().setId("bench-" + i).setTokenizerVersion("bench")
                        .setGridHeight(grid).setGridWidth(grid).setTokens(tokens)
                        .setPixels(PixelTensor.newBuilder().setChannels(model.inChans()).setHeight(side).setWidth(side)
                                .setData(ByteBuffer.wrap(pixels)).build())
                        .setSource("bench").setTimestamp(Instant.now()).build();
                producer.send(new ProducerRecord<>(Topics.IMAGES_TOKENIZED.name(), image.getId(), image));
            }
        }
    }

    /** The model module's step on batches already in memory: the ceiling the trainer is held to. */
    private double bareSeconds(BeitConfig model) {
        int grid = model.imgSize() / model.patchSize();
        TrainerConfig config = config(model, 0, -1);
        int masked = config.maskedPatchesPerImage();
        try (NDManager manager = NDManager.newBaseManager();
             MimTrainingStep step = new MimTrainingStep(BeitPretrainingModel.create(model, manager, 0),
                     config.optimization(), manager, 0)) {
            boolean[] mask = new boolean[batchSize * grid * grid];
            Random random = new Random(2);
            for (int b = 0; b < batchSize; b++) {
                for (int k = 0; k < masked; k++) {
                    mask[b * grid * grid + k] = true;
                }
            }
            long start = 0;
            for (int i = 0; i < steps + 3; i++) {
                if (i == 3) {
                    start = System.nanoTime(); // after warm-up
                }
                try (NDManager batch = manager.newSubManager()) {
                    NDArray images = batch.randomNormal(new Shape(batchSize, model.inChans(), model.imgSize(), model.imgSize()));
                    NDArray maskArray = batch.create(mask, new Shape(batchSize, (long) grid * grid));
                    long[] labels = new long[batchSize * masked];
                    for (int l = 0; l < labels.length; l++) {
                        labels[l] = random.nextInt(model.vocabSize());
                    }
                    step.step(images, maskArray, batch.create(labels));
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** Wall time of a bounded trainer run over the produced records, from a fresh run id. */
    private double trainerSeconds(EmbeddedInfra infra, ObjectStore store, BeitConfig model, int checkpointEverySteps,
                                  int run) throws Exception {
        Trainer trainer = new Trainer(config(model, checkpointEverySteps, run), infra.kafka(), store, metrics -> { });
        long start = System.nanoTime();
        trainer.run();
        return (System.nanoTime() - start) / 1e9;
    }

    /** One configuration for both sides, so the bare step runs the trainer's exact optimisation. */
    private TrainerConfig config(BeitConfig model, int checkpointEverySteps, int run) {
        return new TrainerConfig("bench-" + Math.max(run, 0), preset, model, Optional.empty(), batchSize,
                new TrainerConfig.Schedule(TrainerConfig.ScheduleKind.CONSTANT, 1.5e-3, 10, 1),
                new TrainerConfig.Checkpointing(checkpointEverySteps, Duration.ZERO, 3),
                new TrainerConfig.Limits(steps, Duration.ZERO), new TrainerConfig.Replay(0, 0.25), 0,
                TrainerConfig.defaultMaskedPatches(model), steps, 100, Optional.empty(),
                TrainerConfig.Devices.AUTO);
    }

    /** Publishing a checkpoint's bytes as a set against one raw PUT of the same size. */
    private static void uploadSpeed(ObjectStore store, String checkpointsPrefix) throws Exception {
        PublishedSets sets = new PublishedSets(store);
        List<PublishedSets.Manifest> published = sets.list(checkpointsPrefix);
        if (published.isEmpty()) {
            System.out.println("no checkpoint published: cannot measure upload speed");
            return;
        }
        long bytes = published.get(published.size() - 1).objects().stream().mapToLong(o -> o.bytes()).sum();
        byte[] blob = new byte[(int) bytes];
        new Random(3).nextBytes(blob);
        List<Double> raw = new ArrayList<>();
        List<Double> set = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            store.put("bench/raw-" + i, blob);
            raw.add((System.nanoTime() - t0) / 1e9);
            int half = blob.length / 2;
            long t1 = System.nanoTime();
            sets.publish("bench/set-" + i + "/", List.of(
                    PublishedSets.Part.of("model.safetensors", java.util.Arrays.copyOfRange(blob, 0, half)),
                    PublishedSets.Part.of("optimizer.safetensors", java.util.Arrays.copyOfRange(blob, half, blob.length))),
                    java.util.Map.of());
            set.add((System.nanoTime() - t1) / 1e9);
        }
        System.out.printf(Locale.ROOT, "checkpoint upload    %.1f MB as a published set in %.3f s (%.0f MB/s); raw PUT %.3f s "
                        + "(%.0f MB/s); ratio %.2f%n", bytes / 1e6, Medians.of(set), bytes / 1e6 / Medians.of(set),
                Medians.of(raw), bytes / 1e6 / Medians.of(raw), Medians.of(raw) / Medians.of(set));
        for (ObjectInfo object : store.list("bench/")) {
            store.delete(object.key());
        }
    }
}
