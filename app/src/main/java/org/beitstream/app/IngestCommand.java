package org.beitstream.app;

import org.beitstream.ingest.HttpIngestServer;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.ImageSources;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.ops.Operations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Pushes images into Kafka, from a source or over HTTP. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Validate images and produce them to images.raw (or images.eval with --eval).",
                "Invalid images go to images.dlq with the reason; ingest never stops on one bad file.",
                "Sources: " + ImageSources.SPECS + ". Or serve POST /images with --http PORT."})
final class IngestCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Parameters(arity = "0..1", paramLabel = "SOURCE", description = "Where images come from: ${COMPLETION-CANDIDATES}")
    String source;

    @Option(names = "--eval", description = "Labelled evaluation images with their split, to images.eval.")
    boolean eval;

    @Option(names = "--limit", defaultValue = "-1", description = "At most N images (default: all; 10000 for generated sources).")
    long limit;

    @Option(names = "--path", description = "Fashion-MNIST IDX directory (default: ${DEFAULT-VALUE}).")
    Path fashionMnistDir = FashionMnist.DEBIAN_PATH;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the generated sources.")
    long seed;

    @Option(names = "--side", defaultValue = "56", description = "Image side of synthetic images, canvas side of mosaics.")
    int side;

    @Option(names = "--max-bytes", defaultValue = "16777216", description = "Largest accepted encoded image.")
    int maxBytes;

    @Option(names = "--max-pixels", defaultValue = "40000000", description = "Largest accepted width x height.")
    long maxPixels;

    @Option(names = "--http", description = "Serve POST /images on this port instead of reading a source.")
    Integer httpPort;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address the HTTP endpoint listens on.")
    String bind;

    @Option(names = "--token", defaultValue = "${env:INGEST_TOKEN}", description = "Bearer token for --http (env INGEST_TOKEN).")
    String token;

    @Override
    public Integer call() throws Exception {
        if ((source == null) == (httpPort == null)) {
            throw new IllegalArgumentException("SOURCE / --http: give a source or --http PORT, not both or neither");
        }
        ImageDecoder decoder = new ImageDecoder(new ImageDecoder.Limits(maxBytes, maxPixels));
        try (Operations operations = ops.start("ingest");
             Ingest ingest = new Ingest(connection.kafka(), decoder, eval)) {
            ingest.bindTo(operations.registry());
            operations.check("kafka", ingest::health);
            if (httpPort != null) {
                return serve(ingest);
            }
            long count = limit >= 0 ? limit : 10_000;
            try (ImageSource images = ImageSources.open(source,
                    new ImageSources.Options(fashionMnistDir, seed, count, side, eval))) {
                Ingest.Totals totals = ingest.ingestAll(images, limit);
                System.out.printf("ingest: %d produced to %s, %d dead-lettered to images.dlq%n",
                        totals.produced(), ingest.target().name(), totals.deadLettered());
            }
        }
        return 0;
    }

    private int serve(Ingest ingest) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        try (HttpIngestServer server = new HttpIngestServer(ingest, bind, httpPort, token, maxBytes)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }));
            System.out.println("ingest: POST http://" + bind + ":" + server.port() + "/images -> " + ingest.target().name());
            stopped.await();
        }
        return 0;
    }
}
