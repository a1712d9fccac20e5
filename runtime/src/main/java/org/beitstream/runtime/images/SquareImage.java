package org.beitstream.runtime.images;

/**
 * Brings a decoded image to the square, channel-major input a model expects: by default the shorter side is
 * resized to {@code side} (bilinear, pixel centres aligned as in PIL/torchvision) and the longer one
 * centre-cropped; or any region of it (a random-resized crop) is resized to the square. Grey and colour are
 * converted as needed (ITU-R 601 luma for RGB to grey, replication for grey to RGB).
 */
public final class SquareImage {
    private SquareImage() {}

    /** The image as {@code channels x side x side} unsigned bytes, row-major within each channel. */
    public static byte[] chw(DecodedImage image, int side, int channels) {
        return chw(image, Box.centreSquare(image.width(), image.height()), side, channels);
    }

    /** A region of the source image, in pixels: what {@link #chw(DecodedImage, Box, int, int)} resizes. */
    public record Box(double x, double y, double width, double height) {
        /** The largest centred square: the shorter side whole, the longer one cropped evenly. */
        public static Box centreSquare(int imageWidth, int imageHeight) {
            int side = Math.min(imageWidth, imageHeight);
            return new Box((imageWidth - side) / 2.0, (imageHeight - side) / 2.0, side, side);
        }
    }

    /** The {@code box} of the image resized to {@code channels x side x side} unsigned bytes. */
    public static byte[] chw(DecodedImage image, Box box, int side, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        double stepX = box.width() / side;
        double stepY = box.height() / side;
        boolean identity = box.x() == 0 && box.y() == 0 && image.width() == side && image.height() == side
                && box.width() == side && box.height() == side;

        byte[] out = new byte[channels * side * side];
        float[] pixel = new float[3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if (identity) {
                    read(image, x, y, pixel);
                } else {
                    sample(image, box.x() + (x + 0.5) * stepX - 0.5, box.y() + (y + 0.5) * stepY - 0.5, pixel);
                }
                if (channels == 1) {
                    float grey = image.channels() == 1 ? pixel[0] : 0.299f * pixel[0] + 0.587f * pixel[1] + 0.114f * pixel[2];
                    out[y * side + x] = (byte) Math.round(grey);
                } else {
                    for (int c = 0; c < 3; c++) {
                        out[(c * side + y) * side + x] = (byte) Math.round(pixel[image.channels() == 1 ? 0 : c]);
                    }
                }
            }
        }
        return out;
    }

    private static void read(DecodedImage image, int x, int y, float[] pixel) {
        for (int c = 0; c < image.channels(); c++) {
            pixel[c] = image.value(x, y, c);
        }
    }

    /** Bilinear sample at a fractional source position, clamped to the edges. */
    private static void sample(DecodedImage image, double sx, double sy, float[] pixel) {
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        int xa = clamp(x0, image.width());
        int xb = clamp(x0 + 1, image.width());
        int ya = clamp(y0, image.height());
        int yb = clamp(y0 + 1, image.height());
        for (int c = 0; c < image.channels(); c++) {
            double top = image.value(xa, ya, c) * (1 - fx) + image.value(xb, ya, c) * fx;
            double bottom = image.value(xa, yb, c) * (1 - fx) + image.value(xb, yb, c) * fx;
            pixel[c] = (float) Math.min(255, Math.max(0, top * (1 - fy) + bottom * fy));
        }
    }

    private static int clamp(int v, int size) {
        return Math.max(0, Math.min(size - 1, v));
    }
}
