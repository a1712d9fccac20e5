package org.beitstream.ingest.source;

import org.beitstream.schemas.Split;

/**
 * One image from a source, before validation.
 *
 * @param format  wire name (png, jpeg, raw-gray8, ...); blank to detect it from the bytes
 * @param label   class index or null
 * @param mask    per-pixel classes for segmentation sets, or null
 * @param split   evaluation split, or null for unlabelled stream images
 */
public record SourceImage(String id, byte[] data, String format, int width, int height, Integer label,
                          String labelName, PixelMask mask, Split split, String source) {

    /** The same image under another id (a stream that replays a data set gives each pass its own ids). */
    public SourceImage withId(String newId) {
        return new SourceImage(newId, data, format, width, height, label, labelName, mask, split, source);
    }

    /** Per-pixel class indices, row-major, one byte per pixel; {@code numClasses} includes the background. */
    public record PixelMask(int width, int height, int numClasses, byte[] classes) {
        public PixelMask {
            if (classes.length != width * height) {
                throw new IllegalArgumentException("mask of " + width + "x" + height + " needs " + width * height
                        + " bytes, got " + classes.length);
            }
        }

        /** The class covering the most pixels, the background excepted (ties: the lower index): the image's label. */
        public int largestClassExcept(int background) {
            int[] area = new int[numClasses];
            for (byte c : classes) {
                area[c]++;
            }
            int largest = background == 0 ? 1 : 0;
            for (int c = 0; c < numClasses; c++) {
                if (c != background && area[c] > area[largest]) {
                    largest = c;
                }
            }
            return largest;
        }
    }
}
