package org.beitstream.ingest.source;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes a small Fashion-MNIST-shaped IDX data set: item i is a filled square of grey level 40 + i, class i % 10. */
public final class IdxFixture {
    private IdxFixture() {}

    public static Path write(Path dir, int trainCount, int testCount) throws IOException {
        write(dir, "train", trainCount);
        write(dir, "t10k", testCount);
        return dir;
    }

    private static void write(Path dir, String prefix, int count) throws IOException {
        try (DataOutputStream images = open(dir.resolve(prefix + "-images-idx3-ubyte.gz"));
             DataOutputStream labels = open(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
            images.writeInt(2051);
            images.writeInt(count);
            images.writeInt(28);
            images.writeInt(28);
            labels.writeInt(2049);
            labels.writeInt(count);
            for (int i = 0; i < count; i++) {
                byte[] image = new byte[28 * 28];
                for (int y = 6; y < 22; y++) {
                    for (int x = 6; x < 22; x++) {
                        image[y * 28 + x] = (byte) (40 + i);
                    }
                }
                images.write(image);
                labels.writeByte(i % 10);
            }
        }
    }

    private static DataOutputStream open(Path file) throws IOException {
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(file));
        return new DataOutputStream(out);
    }
}
