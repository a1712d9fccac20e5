package org.beitstream.model.optim;

/**
 * A learning rate per optimizer step (counted from 0), as the authors' per-iteration schedules.
 * All schedules start with a linear warm-up from {@code warmupStartLr} reaching the base rate at step
 * {@code warmupSteps - 1} (numpy's {@code linspace} with its end point, as in the authors' code).
 */
public sealed interface LearningRateSchedule
        permits LearningRateSchedule.WarmupCosine, LearningRateSchedule.ConstantAfterWarmup,
        LearningRateSchedule.WarmupStableDecay {

    double at(long step);

    /**
     * The BEiT v2 recipe: warm-up, then a half cosine from {@code baseLr} to {@code finalLr} ending at
     * {@code totalSteps}; {@code finalLr} afterwards.
     */
    record WarmupCosine(double baseLr, double finalLr, long warmupSteps, long totalSteps, double warmupStartLr)
            implements LearningRateSchedule {
        public WarmupCosine {
            checkRates(baseLr, finalLr, warmupStartLr);
            checkWarmup(warmupSteps);
            if (totalSteps <= warmupSteps) {
                throw new IllegalArgumentException("totalSteps " + totalSteps + " must exceed warmupSteps " + warmupSteps);
            }
        }

        @Override
        public double at(long step) {
            if (step < warmupSteps) {
                return warmup(warmupStartLr, baseLr, warmupSteps, step);
            }
            return cosine(baseLr, finalLr, step - warmupSteps, totalSteps - warmupSteps);
        }
    }

    /** Warm-up, then {@code baseLr} for ever: for streams without a planned end. */
    record ConstantAfterWarmup(double baseLr, long warmupSteps, double warmupStartLr) implements LearningRateSchedule {
        public ConstantAfterWarmup {
            checkRates(baseLr, baseLr, warmupStartLr);
            checkWarmup(warmupSteps);
        }

        @Override
        public double at(long step) {
            return step < warmupSteps ? warmup(warmupStartLr, baseLr, warmupSteps, step) : baseLr;
        }
    }

    /**
     * Warmup-stable-decay: warm-up, a constant phase, then a half cosine to {@code finalLr} over
     * {@code decaySteps}. For an unbounded stream the stable phase lasts until {@link #decayingFrom} is called,
     * for example to release a checkpoint annealed to a low rate; training can continue from the stable
     * phase of the original schedule afterwards.
     *
     * @param decayStart first step of the decay, or {@link Long#MAX_VALUE} while no decay is planned
     */
    record WarmupStableDecay(double baseLr, double finalLr, long warmupSteps, long decayStart, long decaySteps,
                             double warmupStartLr) implements LearningRateSchedule {
        public WarmupStableDecay {
            checkRates(baseLr, finalLr, warmupStartLr);
            checkWarmup(warmupSteps);
            if (decayStart < warmupSteps) {
                throw new IllegalArgumentException("decayStart " + decayStart + " is inside the warm-up of "
                        + warmupSteps + " steps");
            }
            if (decaySteps <= 0) {
                throw new IllegalArgumentException("decaySteps must be > 0, got " + decaySteps);
            }
        }

        /** Stable until further notice. */
        public static WarmupStableDecay unbounded(double baseLr, double finalLr, long warmupSteps, long decaySteps,
                                                  double warmupStartLr) {
            return new WarmupStableDecay(baseLr, finalLr, warmupSteps, Long.MAX_VALUE, decaySteps, warmupStartLr);
        }

        public WarmupStableDecay decayingFrom(long step) {
            return new WarmupStableDecay(baseLr, finalLr, warmupSteps, step, decaySteps, warmupStartLr);
        }

        @Override
        public double at(long step) {
            if (step < warmupSteps) {
                return warmup(warmupStartLr, baseLr, warmupSteps, step);
            }
            return step < decayStart ? baseLr : cosine(baseLr, finalLr, step - decayStart, decaySteps);
        }
    }

    private static double warmup(double start, double base, long warmupSteps, long step) {
        return warmupSteps == 1 ? base : start + (base - start) * step / (warmupSteps - 1);
    }

    /** Step {@code i} of an {@code n}-step half cosine from {@code base} towards {@code last}; {@code last} after it. */
    private static double cosine(double base, double last, long i, long n) {
        return i >= n ? last : last + 0.5 * (base - last) * (1 + Math.cos(Math.PI * i / n));
    }

    private static void checkRates(double base, double last, double warmupStart) {
        for (double lr : new double[] {base, last, warmupStart}) {
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rates must be finite and >= 0, got " + lr);
            }
        }
    }

    private static void checkWarmup(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        }
    }
}
