package org.beitstream.runtime.images;

import org.beitstream.runtime.images.InvalidImageException.Kind;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Validates and decodes image bytes. Dimensions are read from the header before any pixel is decoded,
 * so a small file announcing 30000 x 30000 pixels (a decompression bomb) is refused without allocating
 * them; truncated files are refused even where the decoder would only warn.
 */
public final class ImageDecoder {

    /** What is accepted: encoded size and pixel count. */
    public record Limits(int maxBytes, long maxPixels) {
        public Limits {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("max image bytes must be positive, got " + maxBytes);
            }
            if (maxPixels <= 0) {
                throw new IllegalArgumentException("max image pixels must be positive, got " + maxPixels);
            }
        }

        /** 16 MiB and 40 megapixels. */
        public static Limits defaults() {
            return new Limits(16 * 1024 * 1024, 40_000_000L);
        }
    }

    private final Limits limits;

    public ImageDecoder(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Decodes {@code data} as {@code format} (a wire name; blank to sniff it from the bytes).
     * {@code width} and {@code height} are needed only by the raw formats.
     */
    public DecodedImage decode(byte[] data, String format, int width, int height) throws InvalidImageException {
        if (data == null || data.length == 0) {
            throw new InvalidImageException(Kind.EMPTY, "the image is empty (0 bytes)");
        }
        if (data.length > limits.maxBytes()) {
            throw new InvalidImageException(Kind.TOO_LARGE, "the image has " + data.length + " bytes, more than the limit of "
                    + limits.maxBytes());
        }
        ImageFormat declared = format == null || format.isBlank()
                ? ImageFormat.sniff(data).orElseThrow(() -> new InvalidImageException(Kind.UNSUPPORTED_FORMAT,
                        "the bytes are not PNG, JPEG, GIF or BMP"))
                : ImageFormat.fromWireName(format).orElseThrow(() -> new InvalidImageException(Kind.UNSUPPORTED_FORMAT,
                        "format '" + format + "' is not supported"));
        return declared.raw() ? raw(data, declared, width, height) : encoded(data, declared);
    }

    private DecodedImage raw(byte[] data, ImageFormat format, int width, int height) throws InvalidImageException {
        int channels = format == ImageFormat.RAW_RGB8 ? 3 : 1;
        checkPixels(width, height);
        if (width <= 0 || height <= 0 || (long) width * height * channels != data.length) {
            throw new InvalidImageException(Kind.BAD_DIMENSIONS, format.wireName() + " image of " + width + "x" + height
                    + " needs " + (long) Math.max(width, 0) * Math.max(height, 0) * channels + " bytes, got " + data.length);
        }
        return new DecodedImage(width, height, channels, data);
    }

    private DecodedImage encoded(byte[] data, ImageFormat format) throws InvalidImageException {
        ImageFormat actual = ImageFormat.sniff(data).orElseThrow(() -> new InvalidImageException(Kind.UNDECODABLE,
                "declared " + format.wireName() + " but the bytes have no image signature"));
        if (actual != format) {
            throw new InvalidImageException(Kind.UNDECODABLE, "declared " + format.wireName() + " but the bytes are "
                    + actual.wireName());
        }
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw new InvalidImageException(Kind.UNSUPPORTED_FORMAT, "no decoder for " + format.wireName());
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                checkPixels(reader.getWidth(0), reader.getHeight(0));
                AtomicReference<String> warning = new AtomicReference<>();
                reader.addIIOReadWarningListener((source, message) -> warning.compareAndSet(null, message));
                BufferedImage image = reader.read(0);
                if (warning.get() != null) {
                    throw new InvalidImageException(Kind.UNDECODABLE, "damaged " + format.wireName() + ": " + warning.get());
                }
                return pixels(image);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(Kind.UNDECODABLE, "cannot decode " + format.wireName() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    private void checkPixels(int width, int height) throws InvalidImageException {
        if ((long) width * height > limits.maxPixels()) {
            throw new InvalidImageException(Kind.TOO_MANY_PIXELS, "the image is " + width + "x" + height + " = "
                    + (long) width * height + " pixels, more than the limit of " + limits.maxPixels());
        }
    }

    /** Grey images stay one channel; everything else becomes RGB (alpha dropped). */
    private static DecodedImage pixels(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        boolean grey = image.getColorModel().getNumColorComponents() == 1 && image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        if (grey) {
            byte[] pixels = new byte[w * h];
            image.getRaster().getDataElements(0, 0, w, h, pixels);
            return new DecodedImage(w, h, 1, pixels);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] pixels = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            pixels[3 * i] = (byte) (argb[i] >> 16);
            pixels[3 * i + 1] = (byte) (argb[i] >> 8);
            pixels[3 * i + 2] = (byte) argb[i];
        }
        return new DecodedImage(w, h, 3, pixels);
    }
}
