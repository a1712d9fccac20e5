package org.beitstream.trainer;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayBufferTest {
    private static Sample sample(int i) {
        return new Sample("s" + i, new byte[] {(byte) i}, new int[] {i});
    }

    @Test
    void holdsAtMostItsCapacityAndKeepsAUniformSampleOfTheWholeStream() {
        int early = 0;
        int trials = 200;
        for (int trial = 0; trial < trials; trial++) {
            ReplayBuffer buffer = new ReplayBuffer(10);
            SplittableRandom random = new SplittableRandom(trial);
            for (int i = 0; i < 1000; i++) {
                buffer.offer(sample(i), random);
            }
            assertEquals(10, buffer.size());
            assertEquals(1000, buffer.offered());
            for (Sample s : buffer.draw(10, random)) {
                early += s.tokens()[0] < 500 ? 1 : 0;
            }
        }
        // Half of the stream is "early": about half of the kept samples must be, not only the newest ones.
        double share = early / (10.0 * trials);
        assertEquals(0.5, share, 0.05, "share of samples from the first half of the stream");
    }

    @Test
    void drawsDistinctSamplesAndNeverMoreThanItHolds() {
        ReplayBuffer buffer = new ReplayBuffer(8);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 5; i++) {
            buffer.offer(sample(i), random);
        }
        List<Sample> drawn = buffer.draw(5, random);
        Set<String> ids = new HashSet<>();
        drawn.forEach(s -> ids.add(s.id()));
        assertEquals(5, ids.size());
        assertThrows(IllegalArgumentException.class, () -> buffer.draw(6, random));
        assertTrue(new ReplayBuffer(0).size() == 0);
    }
}
