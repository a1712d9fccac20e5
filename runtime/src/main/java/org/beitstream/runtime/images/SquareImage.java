package org.beitstream.runtime.images;

/**
 * Brings a decoded image to the square, channel-major input a model expects: the shorter side is resized
 * to {@code side} (bilinear, pixel centres aligned as in PIL/torchvision), the longer one centre-cropped,
 * and grey and colour converted as needed (ITU-R 601 luma for RGB to grey, replication for grey to RGB).
 */
public final class SquareImage {
    private SquareImage() {}

    /** The image as {@code channels x side x side} unsigned bytes, row-major within each channel. */
    public static byte[] chw(DecodedImage image, int side, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        double scale = (double) side / Math.min(image.width(), image.height());
        double scaledW = image.width() * scale;
        double scaledH = image.height() * scale;
        double offsetX = (scaledW - side) / 2;
        double offsetY = (scaledH - side) / 2;
        boolean identity = image.width() == side && image.height() == side;

        byte[] out = new byte[channels * side * side];
        float[] pixel = new float[3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if (identity) {
                    read(image, x, y, pixel);
                } else {
                    sample(image, (x + offsetX + 0.5) / scale - 0.5, (y + offsetY + 0.5) / scale - 0.5, pixel);
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
