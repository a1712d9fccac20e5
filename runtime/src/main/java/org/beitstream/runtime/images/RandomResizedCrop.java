package org.beitstream.runtime.images;

import org.beitstream.runtime.config.SettingException;

import java.util.SplittableRandom;

/**
 * The random-resized crop of BEiT's pretraining augmentation (as torchvision draws it): a region covering a
 * random share of the image's area, with a random aspect ratio drawn log-uniformly, anywhere inside the image;
 * after ten draws that do not fit, the centre crop closest to the ratio range.
 *
 * @param minScale smallest share of the area (BEiT: 0.08 for v1's recipe, 0.2 or 0.4 in v2's)
 * @param maxScale largest share of the area
 * @param minRatio smallest width / height
 * @param maxRatio largest width / height
 */
public record RandomResizedCrop(double minScale, double maxScale, double minRatio, double maxRatio) {
    private static final int ATTEMPTS = 10;

    public RandomResizedCrop {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new SettingException("--crop-scale", "must be MIN:MAX with 0 < MIN <= MAX <= 1, got "
                    + minScale + ":" + maxScale);
        }
        if (!(minRatio > 0 && minRatio <= maxRatio) || Double.isInfinite(maxRatio)) {
            throw new SettingException("--crop-ratio", "must be MIN:MAX with 0 < MIN <= MAX, got "
                    + minRatio + ":" + maxRatio);
        }
    }

    /** torchvision's defaults: 8% to all of the area, ratios 3/4 to 4/3. */
    public static RandomResizedCrop defaults() {
        return new RandomResizedCrop(0.08, 1.0, 3.0 / 4, 4.0 / 3);
    }

    /** One crop of a {@code width x height} image; the same random stream gives the same crop. */
    public SquareImage.Box sample(int width, int height, SplittableRandom random) {
        double area = (double) width * height;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * uniform(random, minScale, maxScale);
            double ratio = Math.exp(uniform(random, logMin, logMax));
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                return new SquareImage.Box(random.nextInt(width - w + 1), random.nextInt(height - h + 1), w, h);
            }
        }
        double ratio = (double) width / height;
        int w = width;
        int h = height;
        if (ratio < minRatio) {
            h = (int) Math.round(w / minRatio);
        } else if (ratio > maxRatio) {
            w = (int) Math.round(h * maxRatio);
        }
        return new SquareImage.Box((width - w) / 2, (height - h) / 2, w, h);
    }

    private static double uniform(SplittableRandom random, double min, double max) {
        return min == max ? min : random.nextDouble(min, max);
    }
}
