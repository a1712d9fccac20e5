package org.beitstream.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A weight-free teacher: per-patch histograms of oriented gradients (as MaskFeat uses HOG targets), for
 * training a tokenizer where no pretrained teacher is available.
 *
 * <p>Definition: the image is averaged over channels; gradients are central differences with edge
 * replication ({@code gx = I[y][x+1] - I[y][x-1]}), so flat regions give none. Orientation is unsigned,
 * in [0, pi), with {@code bins} equal sectors whose centres are at {@code k * pi / bins} (bin 0 is a
 * horizontal gradient, i.e. a vertical edge). Each pixel votes its gradient magnitude, split linearly
 * between the two nearest bin centres. Each patch's histogram is then L2-normalised ({@code h / sqrt(|h|^2 +
 * eps^2)}, eps 1e-6), which makes it invariant to contrast and leaves patches without gradient at zero.
 */
public final class HogTeacher implements PatchTeacher {
    private static final double EPS = 1e-6;

    /**
     * @param patchSize side of the square patch one histogram summarises (the tokenizer's patch size)
     * @param bins      orientation bins (9 in Dalal and Triggs)
     */
    public record Config(int patchSize, int bins) {
        /** Dalal and Triggs' choice of 9 unsigned orientation bins, over the tokenizer's patches. */
        public static Config forPatches(int patchSize) {
            return new Config(patchSize, 9);
        }

        public Config {
            if (patchSize < 1) {
                throw new IllegalArgumentException("HOG patch_size must be at least 1, got " + patchSize);
            }
            if (bins < 2) {
                throw new IllegalArgumentException("HOG bins must be at least 2, got " + bins);
            }
        }
    }

    private final Config config;

    public HogTeacher(Config config) {
        this.config = config;
    }

    @Override
    public int featureDim() {
        return config.bins();
    }

    @Override
    public NDArray patchFeatures(NDArray images) {
        Shape shape = images.getShape();
        if (shape.dimension() != 4) {
            throw new IllegalArgumentException("HOG teacher expects images [B, C, H, W], got " + shape);
        }
        int batch = (int) shape.get(0);
        int channels = (int) shape.get(1);
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        int p = config.patchSize();
        if (height % p != 0 || width % p != 0) {
            throw new IllegalArgumentException("image " + height + "x" + width + " is not a whole number of "
                    + p + "-pixel patches");
        }
        float[] pixels = images.toType(DataType.FLOAT32, false).toFloatArray();
        int gridH = height / p;
        int gridW = width / p;
        int bins = config.bins();
        float[] features = new float[batch * gridH * gridW * bins];
        for (int b = 0; b < batch; b++) {
            float[] grey = grey(pixels, b, channels, height, width);
            int offset = b * gridH * gridW * bins;
            vote(grey, height, width, features, offset, gridW);
            normalise(features, offset, gridH * gridW);
        }
        return images.getManager().create(features, new Shape(batch, (long) gridH * gridW, bins));
    }

    private static float[] grey(float[] pixels, int b, int channels, int height, int width) {
        int plane = height * width;
        float[] grey = new float[plane];
        for (int c = 0; c < channels; c++) {
            int base = (b * channels + c) * plane;
            for (int i = 0; i < plane; i++) {
                grey[i] += pixels[base + i] / channels;
            }
        }
        return grey;
    }

    /** Adds every pixel's magnitude to the histogram of its patch, split between the two nearest bins. */
    private void vote(float[] grey, int height, int width, float[] features, int offset, int gridW) {
        int p = config.patchSize();
        int bins = config.bins();
        double sector = Math.PI / bins;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double gx = grey[y * width + Math.min(x + 1, width - 1)] - grey[y * width + Math.max(x - 1, 0)];
                double gy = grey[Math.min(y + 1, height - 1) * width + x] - grey[Math.max(y - 1, 0) * width + x];
                double magnitude = Math.hypot(gx, gy);
                if (magnitude == 0) {
                    continue;
                }
                double angle = Math.atan2(gy, gx);
                if (angle < 0) {
                    angle += Math.PI;
                }
                double position = angle / sector;
                int lower = (int) Math.floor(position);
                double upperShare = position - lower;
                int patch = (y / p) * gridW + x / p;
                int base = offset + patch * bins;
                features[base + Math.floorMod(lower, bins)] += (float) (magnitude * (1 - upperShare));
                features[base + Math.floorMod(lower + 1, bins)] += (float) (magnitude * upperShare);
            }
        }
    }

    private void normalise(float[] features, int offset, int patches) {
        int bins = config.bins();
        for (int patch = 0; patch < patches; patch++) {
            int base = offset + patch * bins;
            double sumSquares = 0;
            for (int k = 0; k < bins; k++) {
                sumSquares += (double) features[base + k] * features[base + k];
            }
            double scale = 1 / Math.sqrt(sumSquares + EPS * EPS);
            for (int k = 0; k < bins; k++) {
                features[base + k] = (float) (features[base + k] * scale);
            }
        }
    }

    @Override
    public void close() {
        // No native state: the histograms are computed on the host.
    }
}
