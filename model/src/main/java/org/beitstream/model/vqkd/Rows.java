package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/** Row-wise lookups and selections on [K, c] tables, written with ops that DJL's PyTorch engine gets right. */
public final class Rows {
    private Rows() {}

    /** Rows of {@code table} picked by {@code indices} (a gather: {@code pick} is unreliable beyond 2-D). */
    public static NDArray pick(NDArray table, NDArray indices) {
        long dim = table.getShape().get(1);
        NDArray index = indices.reshape(-1, 1).repeat(1, dim);
        return table.gather(index, 0);
    }

    /** Row k of {@code ifTrue} where {@code rowMask[k]}, else row k of {@code ifFalse} (DJL's where does not broadcast). */
    public static NDArray select(NDArray rowMask, NDArray ifTrue, NDArray ifFalse) {
        return NDArrays.where(rowMask.reshape(-1, 1).broadcast(ifTrue.getShape()), ifTrue, ifFalse);
    }
}
