package org.beitstream.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * A learned bias added to the attention logits that depends only on the offset between two patches
 * (BEiT §2.2): one table row per offset {@code (dr, dc)}, i.e. {@code (2g-1)²} rows, plus three rows for
 * CLS→patch, patch→CLS and CLS→CLS; one column per head.
 *
 * <p>Used either once for the whole network (the BEiT v2 recipe's shared bias, keys {@code rel_pos_bias.*})
 * or inside each {@link Attention} (keys {@code attn.relative_position_bias_table}).
 */
public final class RelativePositionBias extends Module {
    private final NDArray table;
    private final int numHeads;
    private final int tokens;
    private final long[] index;
    private NDArray gatherIndex;

    public RelativePositionBias(Allocation allocation, int gridHeight, int gridWidth, int numHeads) {
        super(allocation);
        this.numHeads = numHeads;
        this.tokens = gridHeight * gridWidth + 1;
        int rows = numRows(gridHeight, gridWidth);
        this.table = parameter("relative_position_bias_table", new Shape(rows, numHeads), 0f);
        this.index = relativePositionIndex(gridHeight, gridWidth);
        NDManager manager = allocation.manager();
        buffer("relative_position_index", manager == null ? null : manager.create(index, new Shape(tokens, tokens)));
    }

    /** Table rows for a {@code gridHeight×gridWidth} grid: every offset plus the three CLS rows. */
    public static int numRows(int gridHeight, int gridWidth) {
        return (2 * gridHeight - 1) * (2 * gridWidth - 1) + 3;
    }

    /**
     * Row of the table used for the pair (query token i, key token j), token 0 being CLS and token
     * {@code 1 + r·w + c} the patch at row r, column c. Offsets are shifted to start at 0.
     */
    public static long[] relativePositionIndex(int gridHeight, int gridWidth) {
        int patches = gridHeight * gridWidth;
        int tokens = patches + 1;
        int rows = numRows(gridHeight, gridWidth);
        long[] index = new long[tokens * tokens];
        for (int i = 0; i < patches; i++) {
            for (int j = 0; j < patches; j++) {
                int dr = i / gridWidth - j / gridWidth + gridHeight - 1;
                int dc = i % gridWidth - j % gridWidth + gridWidth - 1;
                index[(1 + i) * tokens + 1 + j] = (long) dr * (2 * gridWidth - 1) + dc;
            }
        }
        for (int k = 1; k < tokens; k++) {
            index[k] = rows - 3;          // CLS attends to a patch
            index[k * tokens] = rows - 2; // a patch attends to CLS
        }
        index[0] = rows - 1;
        return index;
    }

    /**
     * The bias {@code [heads, T, T]}, allocated on {@code manager} (the caller's step manager: the table
     * is a parameter, so the result would otherwise attach to the model's long-lived manager).
     */
    public NDArray forward(NDManager manager) {
        return table.take(manager, gatherIndex());
    }

    /**
     * Positions in the flattened {@code [rows, heads]} table: element (h, i, j) reads
     * {@code table[index[i, j], h]}, so one {@code take} yields the bias already in head-major layout.
     */
    private NDArray gatherIndex() {
        if (gatherIndex == null) {
            long[] flat = new long[numHeads * index.length];
            for (int h = 0; h < numHeads; h++) {
                for (int k = 0; k < index.length; k++) {
                    flat[h * index.length + k] = index[k] * numHeads + h;
                }
            }
            gatherIndex = allocation().manager().create(flat, new Shape(numHeads, tokens, tokens));
            // Made during the first forward pass but kept with the module: not one of the pass's temporaries.
            NDScope.unregister(gatherIndex);
        }
        return gatherIndex;
    }

    public NDArray table() {
        return table;
    }
}
