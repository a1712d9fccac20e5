package org.beitstream.model.masking;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Feeds back draws recorded from the authors' generator. Each call must match the next recorded draw in
 * kind and arguments; a mismatch means our algorithm took a different path, which is reported at once
 * rather than producing a silently different mask.
 */
public final class ReplayMaskRandom implements MaskRandom {
    /** Arguments are compared with a relative slack because Python and Java may round log(0.3) differently. */
    private static final double ARGUMENT_SLACK = 1e-12;

    /** One recorded draw. */
    public sealed interface Draw permits Uniform, RandInt, Choice {}

    public record Uniform(double a, double b, double value) implements Draw {}

    public record RandInt(int a, int b, int value) implements Draw {}

    public record Choice(int n, int k, int[] indices) implements Draw {}

    private final Deque<Draw> remaining;

    public ReplayMaskRandom(List<Draw> draws) {
        this.remaining = new ArrayDeque<>(draws);
    }

    /** Whether every recorded draw has been consumed (a shorter path than the reference's fails this). */
    public boolean exhausted() {
        return remaining.isEmpty();
    }

    @Override
    public double uniform(double a, double b) {
        Uniform draw = next(Uniform.class, "uniform(" + a + ", " + b + ")");
        if (!same(draw.a(), a) || !same(draw.b(), b)) {
            throw divergence("uniform(" + a + ", " + b + ")", draw);
        }
        return draw.value();
    }

    @Override
    public int randint(int a, int b) {
        RandInt draw = next(RandInt.class, "randint(" + a + ", " + b + ")");
        if (draw.a() != a || draw.b() != b) {
            throw divergence("randint(" + a + ", " + b + ")", draw);
        }
        return draw.value();
    }

    @Override
    public int[] choice(int n, int k) {
        Choice draw = next(Choice.class, "choice(" + n + ", " + k + ")");
        if (draw.n() != n || draw.k() != k) {
            throw divergence("choice(" + n + ", " + k + ")", draw);
        }
        return Arrays.copyOf(draw.indices(), draw.indices().length);
    }

    private <T extends Draw> T next(Class<T> kind, String call) {
        Draw draw = remaining.poll();
        if (draw == null) {
            throw new IllegalStateException("replay exhausted: the generator asked for " + call
                    + " after the last recorded draw");
        }
        if (!kind.isInstance(draw)) {
            throw divergence(call, draw);
        }
        return kind.cast(draw);
    }

    private static boolean same(double recorded, double asked) {
        return Math.abs(recorded - asked) <= ARGUMENT_SLACK * Math.max(1, Math.abs(recorded));
    }

    private static IllegalStateException divergence(String call, Draw recorded) {
        return new IllegalStateException("replay diverged: the generator asked for " + call
                + " but the reference drew " + recorded);
    }
}
