package org.beitstream.model.train;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * How a batch is shared among replicas: contiguous runs of images whose sizes differ by at most one, each with
 * its masked tokens (the labels are image-major, so each run's labels are contiguous too) and its weight
 * {@code M_i / M}, its share of the batch's masked tokens, since the batch loss is a mean over all of them.
 *
 * @param chunks one per replica, in order
 */
record BatchSplit(List<Chunk> chunks) {

    /**
     * Images {@code [imageFrom, imageTo)} and labels {@code [labelFrom, labelTo)} of one replica.
     *
     * @param weight the chunk's masked tokens over the batch's
     */
    record Chunk(long imageFrom, long imageTo, long labelFrom, long labelTo, double weight) {
    }

    /**
     * Splits a batch of {@code images} images with {@code masked[b]} masked patches in image {@code b} into
     * {@code parts} chunks.
     *
     * @throws IllegalArgumentException when there are fewer images than parts
     */
    static BatchSplit of(int[] masked, int parts) {
        int images = masked.length;
        if (images < parts) {
            throw new IllegalArgumentException("a batch of " + images + " images cannot be split over " + parts
                    + " devices: use a batch size of at least " + parts);
        }
        long total = 0;
        for (int m : masked) {
            total += m;
        }
        List<Chunk> chunks = new ArrayList<>(parts);
        int image = 0;
        long label = 0;
        for (int i = 0; i < parts; i++) {
            int size = images / parts + (i < images % parts ? 1 : 0);
            long tokens = 0;
            for (int b = image; b < image + size; b++) {
                tokens += masked[b];
            }
            chunks.add(new Chunk(image, image + size, label, label + tokens, (double) tokens / total));
            image += size;
            label += tokens;
        }
        return new BatchSplit(chunks);
    }

    /** Masked patches per image of a {@code [B, N]} boolean mask, read back once, before any work is queued. */
    static int[] maskedPerImage(NDArray boolMaskedPos) {
        boolean[] mask = boolMaskedPos.toBooleanArray();
        int images = (int) boolMaskedPos.getShape().get(0);
        int patches = mask.length / images;
        int[] counts = new int[images];
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                counts[i / patches]++;
            }
        }
        return counts;
    }
}
