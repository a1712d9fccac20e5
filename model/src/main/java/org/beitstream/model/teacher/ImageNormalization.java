package org.beitstream.model.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Per-channel {@code (x - mean) / std} on [0, 1] images, the input convention of pretrained teachers. */
public record ImageNormalization(double[] mean, double[] std) {

    /** The statistics CLIP was trained with (the reference's {@code ScalingLayerForClip}). */
    public static final ImageNormalization CLIP = new ImageNormalization(
            new double[] {0.48145466, 0.4578275, 0.40821073}, new double[] {0.26862954, 0.26130258, 0.27577711});

    /** ImageNet statistics, used for DINO ({@code ScalingLayerForIM}). */
    public static final ImageNormalization IMAGENET = new ImageNormalization(
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});

    public ImageNormalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got "
                    + mean.length + " and " + std.length);
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normalisation std must be positive, got " + s);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Normalises [B, C, H, W] images in [0, 1]; values outside are clamped first, as the reference does. */
    public NDArray apply(NDArray images) {
        long channels = images.getShape().get(1);
        if (channels != mean.length) {
            throw new IllegalArgumentException("images have " + channels + " channels, normalisation has "
                    + mean.length);
        }
        Shape perChannel = new Shape(1, channels, 1, 1);
        NDArray shift = images.getManager().create(toFloat(mean), perChannel);
        NDArray scale = images.getManager().create(toFloat(std), perChannel);
        return images.clip(0, 1).sub(shift).div(scale);
    }

    private static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }
}
