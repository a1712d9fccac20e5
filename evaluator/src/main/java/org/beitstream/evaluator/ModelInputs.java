package org.beitstream.evaluator;

import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.images.DecodedImage;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.runtime.images.InvalidImageException;
import org.beitstream.runtime.images.SquareImage;
import org.beitstream.schemas.ImageRecord;
import org.beitstream.schemas.SegmentationMask;

import java.nio.ByteBuffer;

/**
 * Brings evaluation images and their masks to the model's input: pixels through {@link SquareImage} (shorter side
 * resized to the input size, centre crop, channels converted), masks through the same geometry with the nearest
 * source pixel, since class indices cannot be interpolated. Segmentation is scored at the model's input resolution.
 */
final class ModelInputs {
    private final int side;
    private final int channels;
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.defaults());

    ModelInputs(BeitConfig model) {
        this.side = model.imgSize();
        this.channels = model.inChans();
    }

    int side() {
        return side;
    }

    /** {@code channels x side x side} bytes. */
    byte[] pixels(ImageRecord image) {
        try {
            DecodedImage decoded = decoder.decode(bytes(image.getData()), image.getFormat(), image.getWidth(),
                    image.getHeight());
            return SquareImage.chw(decoded, side, channels);
        } catch (InvalidImageException e) { // ingest validated it: a bad image here is a bug upstream
            throw new IllegalStateException("evaluation image " + image.getId() + " does not decode: " + e.getMessage(), e);
        }
    }

    /** {@code side x side} class indices, the mask resized like the image. */
    byte[] mask(SegmentationMask mask) {
        int width = mask.getWidth();
        int height = mask.getHeight();
        byte[] classes = bytes(mask.getClasses());
        double scale = (double) side / Math.min(width, height);
        double offsetX = (width * scale - side) / 2;
        double offsetY = (height * scale - side) / 2;
        byte[] out = new byte[side * side];
        for (int y = 0; y < side; y++) {
            // The source pixel whose area holds the output pixel's centre.
            int sy = Math.min(height - 1, (int) Math.floor((y + offsetY + 0.5) / scale));
            for (int x = 0; x < side; x++) {
                int sx = Math.min(width - 1, (int) Math.floor((x + offsetX + 0.5) / scale));
                out[y * side + x] = classes[sy * width + sx];
            }
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
