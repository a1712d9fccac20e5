package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Procedural colour scenes: one to three shapes (disk, square, triangle, ring) of random colour over a
 * textured background, with a per-pixel mask and the class of the largest shape as the label. Encoded
 * as PNG so the stream exercises real decoding. Deterministic from the seed; every fifth is a test image.
 */
public final class SyntheticSource extends GeneratedSource {
    public static final List<String> CLASS_NAMES = List.of("disk", "square", "triangle", "ring");
    public static final int BACKGROUND_CLASS = CLASS_NAMES.size();
    public static final int NUM_CLASSES = BACKGROUND_CLASS + 1;

    private final int side;
    private final boolean labelled;

    /** {@code labelled}: evaluation records (split set); otherwise plain stream images. */
    public SyntheticSource(int side, long count, long seed, boolean labelled) {
        super(count, seed, 7_919L);
        if (side < 8) {
            throw new IllegalArgumentException("synthetic image side must be at least 8, got " + side);
        }
        this.side = side;
        this.labelled = labelled;
    }

    @Override
    SourceImage generate(long index, SplittableRandom random) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        byte[] classes = new byte[side * side];
        int base = random.nextInt(80);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int v = base + random.nextInt(24) + (x + y) * 40 / (2 * side);
                image.setRGB(x, y, (v << 16) | (v << 8) | v);
                classes[y * side + x] = (byte) BACKGROUND_CLASS;
            }
        }
        int shapes = 1 + random.nextInt(3);
        for (int s = 0; s < shapes; s++) {
            int shape = random.nextInt(CLASS_NAMES.size());
            int radius = side / 8 + random.nextInt(Math.max(1, side / 5));
            int cx = random.nextInt(side);
            int cy = random.nextInt(side);
            int colour = 0x404040 | random.nextInt(0x1000000);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    if (inside(shape, x - cx, y - cy, radius)) {
                        image.setRGB(x, y, colour);
                        classes[y * side + x] = (byte) shape;
                    }
                }
            }
        }
        SourceImage.PixelMask mask = new SourceImage.PixelMask(side, side, NUM_CLASSES, classes);
        int dominant = mask.largestClassExcept(BACKGROUND_CLASS);
        Split split = labelled ? splitOf(index) : null;
        return new SourceImage("synthetic-" + seed() + "-" + index, png(image), "png", side, side, dominant,
                CLASS_NAMES.get(dominant), mask, split,
                "synthetic:" + seed() + "/" + index);
    }

    private static boolean inside(int shape, int dx, int dy, int r) {
        return switch (shape) {
            case 0 -> dx * dx + dy * dy <= r * r;
            case 1 -> Math.abs(dx) <= r && Math.abs(dy) <= r;
            case 2 -> dy <= r && dy >= -r && Math.abs(dx) <= (dy + r) / 2;
            default -> {
                int d2 = dx * dx + dy * dy;
                yield d2 <= r * r && d2 >= (r * r) / 3;
            }
        };
    }

    private static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
