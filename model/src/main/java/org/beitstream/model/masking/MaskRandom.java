package org.beitstream.model.masking;

/**
 * The random draws the masking generator makes, in the vocabulary of the authors' code (Python's
 * {@code random.uniform}, {@code random.randint} and NumPy's {@code choice} without replacement), so a
 * recorded sequence of draws can be replayed to reproduce a reference mask exactly.
 */
public interface MaskRandom {

    /** A real in [a, b] (a may exceed b, as in Python: the result then lies in [b, a]). */
    double uniform(double a, double b);

    /** An integer in [a, b], both ends inclusive. */
    int randint(int a, int b);

    /** {@code k} distinct indices from [0, n), in draw order. */
    int[] choice(int n, int k);
}
