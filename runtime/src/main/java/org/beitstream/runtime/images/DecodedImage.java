package org.beitstream.runtime.images;

/**
 * Decoded 8-bit pixels, row-major and interleaved (HWC): {@code pixels[(y * width + x) * channels + c]}.
 *
 * @param channels 1 (grey) or 3 (RGB)
 */
public record DecodedImage(int width, int height, int channels, byte[] pixels) {
    public DecodedImage {
        if (pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("expected " + (long) width * height * channels + " pixel bytes, got "
                    + pixels.length);
        }
    }

    public int value(int x, int y, int channel) {
        return pixels[(y * width + x) * channels + channel] & 0xff;
    }
}
