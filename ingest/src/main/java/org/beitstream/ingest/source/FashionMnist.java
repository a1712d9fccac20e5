package org.beitstream.ingest.source;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files (gzipped or not), as the Debian package {@code dataset-fashion-mnist}
 * installs them: 28x28 grey images of 10 clothing classes, 60,000 for training and 10,000 for testing.
 */
public record FashionMnist(byte[][] images, int[] labels) {
    public static final Path DEBIAN_PATH = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int SIDE = 28;
    public static final List<String> CLASS_NAMES = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle boot");

    public enum Part {
        TRAIN("train"), TEST("t10k");

        private final String filePrefix;

        Part(String filePrefix) {
            this.filePrefix = filePrefix;
        }
    }

    public int size() {
        return labels.length;
    }

    /** Whether {@code dir} holds the files of {@code part}. */
    public static boolean available(Path dir, Part part) {
        return file(dir, part, "images-idx3-ubyte") != null && file(dir, part, "labels-idx1-ubyte") != null;
    }

    public static FashionMnist load(Path dir, Part part) throws IOException {
        Path imagesFile = file(dir, part, "images-idx3-ubyte");
        Path labelsFile = file(dir, part, "labels-idx1-ubyte");
        if (imagesFile == null || labelsFile == null) {
            throw new IOException("no Fashion-MNIST " + part.name().toLowerCase() + " files in " + dir
                    + " (install the Debian package dataset-fashion-mnist, or give --path)");
        }
        byte[][] images;
        try (DataInputStream in = open(imagesFile)) {
            expectMagic(in, 2051, imagesFile);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != SIDE || cols != SIDE) {
                throw new IOException(imagesFile + " holds " + rows + "x" + cols + " images, expected 28x28");
            }
            images = new byte[count][SIDE * SIDE];
            for (byte[] image : images) {
                in.readFully(image);
            }
        }
        int[] labels;
        try (DataInputStream in = open(labelsFile)) {
            expectMagic(in, 2049, labelsFile);
            int count = in.readInt();
            if (count != images.length) {
                throw new IOException(labelsFile + " has " + count + " labels for " + images.length + " images");
            }
            byte[] raw = in.readNBytes(count);
            labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i];
            }
        }
        return new FashionMnist(images, labels);
    }

    private static Path file(Path dir, Part part, String name) {
        for (String candidate : new String[] {part.filePrefix + "-" + name + ".gz", part.filePrefix + "-" + name}) {
            if (Files.isRegularFile(dir.resolve(candidate))) {
                return dir.resolve(candidate);
            }
        }
        return null;
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return new DataInputStream(new java.io.BufferedInputStream(
                file.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in, 1 << 16));
    }

    private static void expectMagic(DataInputStream in, int expected, Path file) throws IOException {
        int magic = in.readInt();
        if (magic != expected) {
            throw new IOException(file + " is not an IDX file of the expected kind (magic " + magic + ")");
        }
    }
}
