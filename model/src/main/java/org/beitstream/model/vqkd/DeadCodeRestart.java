package org.beitstream.model.vqkd;

import ai.djl.ndarray.NDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Random;

/**
 * Counters against codebook collapse, which the reference lacks: a code that no encoder output has
 * chosen for {@code patienceSteps} training steps is moved onto a randomly chosen recent encoder output,
 * where it is certain to be used again. This is the usual remedy for dead codes in VQ training; it keeps
 * the codebook unit-norm and leaves live codes untouched.
 */
public final class DeadCodeRestart {
    private static final Logger LOG = LoggerFactory.getLogger(DeadCodeRestart.class);

    /**
     * @param patienceSteps training steps without use after which a code is re-seeded; 0 turns restarts off
     * @param seed          seed of the choice of replacement vectors
     */
    public record Settings(int patienceSteps, long seed) {
        public static final Settings OFF = new Settings(0, 0);

        public Settings {
            if (patienceSteps < 0) {
                throw new IllegalArgumentException("dead-code patience must be non-negative, got " + patienceSteps);
            }
        }

        public boolean enabled() {
            return patienceSteps > 0;
        }
    }

    /** The codebook after a step and the number of codes that were re-seeded. */
    public record Outcome(NDArray codebook, int restarted) {}

    private final Settings settings;
    private final long[] idleSteps;
    private final Random random;

    public DeadCodeRestart(Settings settings, int numCodes) {
        this.settings = settings;
        this.idleSteps = new long[numCodes];
        this.random = new Random(settings.seed());
    }

    /**
     * Records one training step and moves the codes that have now been idle too long.
     *
     * @param counts   how often each code was chosen in this step
     * @param codebook the unit codebook [K, c]
     * @param recent   this step's unit encoder outputs [M, c], the pool replacements are drawn from
     * @return the codebook with dead rows replaced (the same array when none was due), and how many
     */
    public Outcome step(double[] counts, NDArray codebook, NDArray recent) {
        if (!settings.enabled()) {
            return new Outcome(codebook, 0);
        }
        long numRecent = recent.getShape().get(0);
        boolean[] dead = new boolean[idleSteps.length];
        long[] source = new long[idleSteps.length];
        int restarted = 0;
        for (int k = 0; k < idleSteps.length; k++) {
            idleSteps[k] = counts[k] > 0 ? 0 : idleSteps[k] + 1;
            if (idleSteps[k] >= settings.patienceSteps() && numRecent > 0) {
                dead[k] = true;
                source[k] = random.nextInt(Math.toIntExact(numRecent));
                idleSteps[k] = 0;
                restarted++;
            }
        }
        if (restarted == 0) {
            return new Outcome(codebook, 0);
        }
        LOG.debug("re-seeded {} dead codes from recent encoder outputs", restarted);
        NDArray replacements = Rows.pick(recent, recent.getManager().create(source));
        NDArray deadRows = recent.getManager().create(dead);
        return new Outcome(Rows.select(deadRows, replacements, codebook), restarted);
    }
}
