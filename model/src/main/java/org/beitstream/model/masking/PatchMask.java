package org.beitstream.model.masking;

import java.util.List;

/**
 * A mask over a square patch grid, row-major (patch index = row * side + col, as the backbone flattens
 * patches), plus the blocks that were placed to build it.
 */
public record PatchMask(int side, boolean[] masked, List<MaskBlock> blocks) {

    /** One rectangle the generator placed; {@code newlyMasked} counts the cells it added. */
    public record MaskBlock(int top, int left, int height, int width, int newlyMasked) {}

    public PatchMask {
        if (masked.length != side * side) {
            throw new IllegalArgumentException("mask has " + masked.length + " cells, expected " + side * side);
        }
        masked = masked.clone();
        blocks = List.copyOf(blocks);
    }

    public boolean isMasked(int row, int col) {
        return masked[row * side + col];
    }

    public int count() {
        int count = 0;
        for (boolean m : masked) {
            if (m) {
                count++;
            }
        }
        return count;
    }

    @Override
    public boolean[] masked() {
        return masked.clone();
    }
}
