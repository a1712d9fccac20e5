package org.beitstream.trainer;

import java.util.Map;

/**
 * One training step's input, assembled off the training thread as plain arrays.
 *
 * @param index       the batch's position in the run (the step it is meant for); seeds its masks
 * @param size        images in the batch
 * @param images      {@code [size, C, H, W]} normalised pixels
 * @param mask        {@code [size, N]} true = masked patch
 * @param labels      visual tokens of the masked patches, image-major then patch index
 * @param replayed    how many images came from the replay buffer
 * @param nextOffsets per partition of images.tokenized, the next offset to read once this batch is trained:
 *                    what a checkpoint written after it stores
 * @param tokenizerVersion    the version of every token in the batch
 * @param otherVersionRecords records of other versions skipped so far (since this process started)
 * @param incompatibleRecords records skipped so far because they do not fit the model
 */
record Batch(long index, int size, float[] images, boolean[] mask, long[] labels, int replayed,
             Map<Integer, Long> nextOffsets, String tokenizerVersion, long otherVersionRecords,
             long incompatibleRecords) {
    Batch {
        nextOffsets = Map.copyOf(nextOffsets);
    }
}
