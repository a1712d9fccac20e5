package org.beitstream.app.bench;

import ai.djl.ndarray.NDManager;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.FashionMnistSource;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.SourceImage;
import org.beitstream.ingest.source.SyntheticSource;
import org.beitstream.model.vqkd.VqkdConfig;
import org.beitstream.model.vqkd.VqkdTokenizer;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.SquareImage;
import org.beitstream.runtime.storage.ObjectStore;
import org.beitstream.schemas.TokenizerAnnouncement;
import org.beitstream.tokenizer.TokenizerRegistry;
import org.beitstream.tokenizer.worker.LoadedTokenizer;
import org.beitstream.tokenizer.worker.TokenizerWorker;
import org.beitstream.tokenizer.worker.WorkerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokenizer worker throughput (consume, decode, batch, tokenize, produce, exactly-once commits) against
 * the bare tokenizer forward at the same batch size, alternately, on an embedded broker.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Tokenizer worker throughput against the bare tokenizer forward, per micro-batch size.")
public final class BenchWorkerCommand implements Callable<Integer> {
    @Option(names = "--images", defaultValue = "20000", description = "Images per measurement.")
    int images;

    @Option(names = "--batch-sizes", defaultValue = "16,64,128", split = ",", description = "Micro-batch sizes.")
    List<Integer> batchSizes;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating rounds per batch size.")
    int rounds;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Untimed worker runs first, so that the JIT has compiled Kafka's and the worker's code.")
    int warmup;

    @Option(names = "--preset", defaultValue = "fmnist-tiny", description = "Tokenizer preset.")
    String preset;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("beit-stream-bench-worker");
        VqkdConfig config = VqkdConfig.preset(preset);
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir.resolve("infra"), "bench"));
             ObjectStore store = new ObjectStore(infra.s3())) {
            TokenizerRegistry registry = new TokenizerRegistry(store);
            TokenizerAnnouncement announcement = onThreadOfItsOwn("bench-tokenizer", () -> {
                try (NDManager manager = NDManager.newBaseManager();
                     VqkdTokenizer tokenizer = VqkdTokenizer.create(config, manager, 1)) {
                    return registry.publish("bench", config, tokenizer.stateDict());
                }
            });
            TokenizerRegistry.announce(infra.kafka(), announcement);
            List<byte[]> prepared = new ArrayList<>();
            try (Ingest ingest = new Ingest(infra.kafka(), new ImageDecoder(ImageDecoder.Limits.defaults()), false)) {
                ImageSource source = source();
                ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.defaults());
                for (int i = 0; i < images && source.hasNext(); i++) {
                    SourceImage image = source.next();
                    ingest.submit(image);
                    prepared.add(SquareImage.chw(decoder.decode(image.data(), image.format(), image.width(),
                            image.height()), config.encoder().imgSize(), config.encoder().inChans()));
                }
                ingest.flush();
            }
            System.out.printf(Locale.ROOT, "%d images per run, %d rounds after %d warm-up runs, tokenizer %s%n",
                    prepared.size(), rounds, warmup, preset);
            System.out.printf(Locale.ROOT, "%6s %14s %14s %7s%n", "batch", "bare img/s", "worker img/s", "ratio");
            int run = 0;
            while (run < warmup) {
                workerRate(infra, store, prepared.size(), batchSizes.get(0), dir, run++);
            }
            for (int batch : batchSizes) {
                List<Double> bareRates = new ArrayList<>();
                List<Double> workerRates = new ArrayList<>();
                List<Double> busyShares = new ArrayList<>();
                List<Double> forwardRates = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    bareRates.add(bareRate(registry, announcement, prepared, batch));
                    WorkerRun worker = workerRate(infra, store, prepared.size(), batch, dir, run++);
                    workerRates.add(worker.imagesPerSecond());
                    busyShares.add(worker.forwardBusyShare());
                    forwardRates.add(worker.forwardImagesPerSecond());
                }
                double b = Medians.of(bareRates);
                double w = Medians.of(workerRates);
                System.out.printf(Locale.ROOT, "%6d %14.0f %14.0f %7.2f   bare %s worker %s; in the worker: forward "
                                + "busy %.0f%% of the time, at %.0f img/s%n", batch, b, w, w / b, Medians.list(bareRates),
                        Medians.list(workerRates), 100 * Medians.of(busyShares), Medians.of(forwardRates));
            }
        }
        return 0;
    }

    private ImageSource source() throws java.io.IOException {
        return FashionMnist.available(FashionMnist.DEBIAN_PATH, FashionMnist.Part.TRAIN)
                ? new FashionMnistSource(FashionMnist.load(FashionMnist.DEBIAN_PATH, FashionMnist.Part.TRAIN),
                        FashionMnist.Part.TRAIN, null)
                : new SyntheticSource(28, images, 1, false);
    }

    private static double bareRate(TokenizerRegistry registry, TokenizerAnnouncement announcement, List<byte[]> images,
                                   int batch) throws Exception {
        return onThreadOfItsOwn("bare-forward", () -> {
            try (NDManager manager = NDManager.newBaseManager();
                 // Loaded exactly as the worker loads it, so both sides run the same inference-only model.
                 LoadedTokenizer tokenizer = new LoadedTokenizer("bench", registry.load(announcement, manager),
                         manager.newSubManager())) {
                tokenizer.tokens(images.subList(0, Math.min(images.size(), batch))).orElseThrow(); // warm-up
                long start = System.nanoTime();
                for (int from = 0; from < images.size(); from += batch) {
                    tokenizer.tokens(images.subList(from, Math.min(images.size(), from + batch))).orElseThrow();
                }
                return images.size() / ((System.nanoTime() - start) / 1e9);
            }
        });
    }

    /**
     * Runs PyTorch work on a thread that ends with it. A thread that has run a parallel operation keeps its
     * OpenMP team until it exits, and once the teams' threads outnumber the cores libgomp makes every team
     * sleep between operations: work left on the main thread would slow the worker measured after it.
     */
    private static <T> T onThreadOfItsOwn(String name, Callable<T> work) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        try {
            return thread.submit(work).get();
        } finally {
            thread.shutdown();
            thread.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    /**
     * One worker run: its throughput, and how the forward fared inside it: the share of the wall time the tokenizer
     * thread spent in forwards (below 1: it waited for batches) and its speed while it did (below the bare forward:
     * it shared the cores with Kafka).
     */
    private record WorkerRun(double imagesPerSecond, double forwardBusyShare, double forwardImagesPerSecond) {}

    /** A fresh application reads images.raw from the start; timed from its first batch to its last image. */
    private static WorkerRun workerRate(EmbeddedInfra infra, ObjectStore store, int count, int batch, Path dir, int run)
            throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong firstBatchEnd = new AtomicLong();
        AtomicLong firstBatchSize = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        AtomicLong forwardNanos = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(1);
        WorkerConfig config = new WorkerConfig("bench-worker-" + run, batch, Duration.ofMillis(200), Optional.empty(),
                dir.resolve("state-" + run), ImageDecoder.Limits.defaults());
        try (TokenizerWorker worker = TokenizerWorker.start(config, infra.kafka(), store, (version, n, nanos, tokens) -> {
            long now = System.nanoTime();
            if (firstBatchEnd.compareAndSet(0, now)) {
                firstBatchSize.set(n);
            } else {
                forwardNanos.addAndGet(nanos);
            }
            if (done.addAndGet(n) >= count) {
                lastEnd.set(now);
                finished.countDown();
            }
        }, Duration.ofSeconds(60))) {
            if (!finished.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("worker run " + run + " did not finish: " + done.get() + "/" + count);
            }
        }
        long images = count - firstBatchSize.get();
        double seconds = (lastEnd.get() - firstBatchEnd.get()) / 1e9;
        double forwardSeconds = forwardNanos.get() / 1e9;
        return new WorkerRun(images / seconds, forwardSeconds / seconds, images / forwardSeconds);
    }
}
