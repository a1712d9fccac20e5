package org.beitstream.evaluator.probe;

/** One class index per pixel of {@code images} square {@code side x side} masks, image-major, row-major. */
public record PixelLabels(byte[] classes, int images, int side) {
    public PixelLabels {
        if (classes.length != (long) images * side * side) {
            throw new IllegalArgumentException(images + " masks of " + side + "x" + side + " need "
                    + (long) images * side * side + " bytes, got " + classes.length);
        }
    }

    int pixelsPerImage() {
        return side * side;
    }

    /** The masks of images {@code [from, to)}. */
    byte[] slice(int from, int to) {
        return java.util.Arrays.copyOfRange(classes, from * pixelsPerImage(), to * pixelsPerImage());
    }
}
