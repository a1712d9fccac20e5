package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

import java.util.SplittableRandom;

/**
 * A segmentation set made of Fashion-MNIST items placed on a larger dark canvas: every pixel of an
 * item brighter than a threshold gets the item's class, everything else the background class (10).
 * Deterministic from the seed. Every fifth mosaic is a test mosaic, built from test-part items only.
 */
public final class MosaicSource extends GeneratedSource {
    public static final int BACKGROUND_CLASS = FashionMnist.CLASS_NAMES.size();
    public static final int NUM_CLASSES = BACKGROUND_CLASS + 1;
    /** Item pixels at or below this grey level count as background: the items' own dark margins. */
    static final int FOREGROUND_THRESHOLD = 24;

    private final FashionMnist train;
    private final FashionMnist test;
    private final int canvas;

    /**
     * @param canvas side of the square canvas in pixels (at least 28)
     * @param count  how many mosaics to make
     */
    public MosaicSource(FashionMnist train, FashionMnist test, int canvas, long count, long seed) {
        super(count, seed, 1_000_003L);
        if (canvas < FashionMnist.SIDE) {
            throw new IllegalArgumentException("--side (the mosaic canvas) must be at least " + FashionMnist.SIDE + ", got " + canvas);
        }
        this.train = train;
        this.test = test;
        this.canvas = canvas;
    }

    @Override
    SourceImage generate(long index, SplittableRandom random) {
        Split split = splitOf(index);
        FashionMnist items = split == Split.TEST ? test : train;
        byte[] pixels = new byte[canvas * canvas];
        byte[] classes = new byte[canvas * canvas];
        java.util.Arrays.fill(classes, (byte) BACKGROUND_CLASS);
        int placed = 1 + random.nextInt(4);
        for (int k = 0; k < placed; k++) {
            int item = random.nextInt(items.size());
            int label = items.labels()[item];
            int left = random.nextInt(canvas - FashionMnist.SIDE + 1);
            int top = random.nextInt(canvas - FashionMnist.SIDE + 1);
            byte[] image = items.images()[item];
            for (int y = 0; y < FashionMnist.SIDE; y++) {
                for (int x = 0; x < FashionMnist.SIDE; x++) {
                    int v = image[y * FashionMnist.SIDE + x] & 0xff;
                    if (v > FOREGROUND_THRESHOLD) { // later items cover earlier ones, as objects do
                        int at = (top + y) * canvas + left + x;
                        pixels[at] = (byte) v;
                        classes[at] = (byte) label;
                    }
                }
            }
        }
        SourceImage.PixelMask mask = new SourceImage.PixelMask(canvas, canvas, NUM_CLASSES, classes);
        int dominant = mask.largestClassExcept(BACKGROUND_CLASS);
        return new SourceImage("mosaic-" + seed() + "-" + index, pixels, "raw-gray8", canvas, canvas, dominant,
                FashionMnist.CLASS_NAMES.get(dominant), mask,
                split, "mosaic:" + seed() + "/" + index);
    }
}
