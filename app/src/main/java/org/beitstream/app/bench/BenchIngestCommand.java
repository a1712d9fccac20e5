package org.beitstream.app.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.beitstream.ingest.Ingest;
import org.beitstream.ingest.source.FashionMnist;
import org.beitstream.ingest.source.FashionMnistSource;
import org.beitstream.ingest.source.ImageSource;
import org.beitstream.ingest.source.SourceImage;
import org.beitstream.ingest.source.SyntheticSource;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.runtime.embedded.EmbeddedInfra;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Ingest throughput (validation, Avro encoding, idempotent produce) against a plain Kafka producer sending
 * byte arrays of the same size with the same producer settings, alternately, on an embedded broker.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Ingest throughput against a plain Kafka producer of records of the same size.")
public final class BenchIngestCommand implements Callable<Integer> {
    @Option(names = "--images", defaultValue = "20000", description = "Images per measurement.")
    int images;

    @Option(names = "--rounds", defaultValue = "5", description = "Alternating measured rounds of each.")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", description = "Alternating rounds of each before measuring (JIT).")
    int warmup;

    @Option(names = "--path", description = "Fashion-MNIST directory (default: the Debian package's).")
    Path fashionMnistDir = FashionMnist.DEBIAN_PATH;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("beit-stream-bench-ingest");
        boolean real = FashionMnist.available(fashionMnistDir, FashionMnist.Part.TRAIN);
        FashionMnist data = real ? FashionMnist.load(fashionMnistDir, FashionMnist.Part.TRAIN) : null;
        try (EmbeddedInfra infra = EmbeddedInfra.start(EmbeddedInfra.Options.onFreePorts(dir, "bench"))) {
            List<byte[]> encoded = encode(source(data));
            int recordBytes = (int) encoded.stream().mapToInt(b -> b.length).average().orElse(0);
            List<Double> ingestRates = new ArrayList<>();
            List<Double> plainRates = new ArrayList<>();
            for (int round = 0; round < warmup; round++) { // until the JIT has compiled both paths
                ingestRate(infra.kafka(), source(data));
                plainRate(infra.kafka(), encoded);
            }
            for (int round = 0; round < rounds; round++) {
                ingestRates.add(ingestRate(infra.kafka(), source(data)));
                plainRates.add(plainRate(infra.kafka(), encoded));
            }
            double ingest = Medians.of(ingestRates);
            double plain = Medians.of(plainRates);
            System.out.printf(Locale.ROOT, "source: %s, %d images per run, %d rounds, record %d bytes%n",
                    real ? "fashion-mnist:train (raw 28x28 grey)" : "synthetic 56x56 PNG (Fashion-MNIST absent)",
                    images, rounds, recordBytes);
            System.out.printf(Locale.ROOT, "ingest          median %8.0f images/s   runs %s%n", ingest, Medians.list(ingestRates));
            System.out.printf(Locale.ROOT, "plain producer  median %8.0f records/s  runs %s%n", plain, Medians.list(plainRates));
            System.out.printf(Locale.ROOT, "ratio ingest / plain producer: %.2f%n", ingest / plain);
        }
        return 0;
    }

    private ImageSource source(FashionMnist data) {
        return data != null ? new FashionMnistSource(data, FashionMnist.Part.TRAIN, null)
                : new SyntheticSource(56, images, 1, false);
    }

    /** The very records ingest would produce, encoded ahead of time for the plain producer. */
    private List<byte[]> encode(ImageSource source) {
        List<byte[]> records = new ArrayList<>(images);
        for (int i = 0; i < images && source.hasNext(); i++) {
            SourceImage image = source.next();
            ImageRecord record = ImageRecord.newBuilder().setId(image.id()).setData(ByteBuffer.wrap(image.data()))
                    .setFormat(image.format()).setWidth(image.width()).setHeight(image.height()).setChannels(1)
                    .setSource(image.source()).setTimestamp(Instant.now()).setLabel(image.label())
                    .setLabelName(image.labelName()).build();
            records.add(Topics.IMAGES_RAW.valueSerde().serializer().serialize(Topics.IMAGES_RAW.name(), record));
        }
        return records;
    }

    private double ingestRate(KafkaSettings kafka, ImageSource source) {
        try (Ingest ingest = new Ingest(kafka, new ImageDecoder(ImageDecoder.Limits.defaults()), false)) {
            long start = System.nanoTime();
            Ingest.Totals totals = ingest.ingestAll(source, images);
            return totals.produced() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** The same producer settings as ingest, sending pre-encoded records: the ceiling ingest is held to. */
    private double plainRate(KafkaSettings kafka, List<byte[]> records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Ingest.producerProperties(kafka), new StringSerializer(),
                new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < records.size(); i++) {
                producer.send(new ProducerRecord<>(Topics.IMAGES_RAW.name(), "plain-" + i, records.get(i)));
            }
            producer.flush();
            return records.size() / ((System.nanoTime() - start) / 1e9);
        }
    }
}
