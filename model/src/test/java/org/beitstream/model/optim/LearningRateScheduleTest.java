package org.beitstream.model.optim;

import org.beitstream.model.optim.LearningRateSchedule.ConstantAfterWarmup;
import org.beitstream.model.optim.LearningRateSchedule.WarmupCosine;
import org.beitstream.model.optim.LearningRateSchedule.WarmupStableDecay;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateScheduleTest {

    @Test
    void warmupCosineFollowsTheAuthorsTable() {
        // 5 warm-up steps from 0 to 1e-3 (linspace with its end point), then 10 cosine steps down to 1e-5.
        WarmupCosine s = new WarmupCosine(1e-3, 1e-5, 5, 15, 0);
        assertEquals(0, s.at(0), 0);
        assertEquals(0.25e-3, s.at(1), 1e-18);
        assertEquals(1e-3, s.at(4), 1e-18);
        assertEquals(1e-3, s.at(5), 1e-18);
        assertEquals(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * 9 / 10)), s.at(14), 1e-18);
        assertEquals(1e-5, s.at(15), 0);
        assertEquals(1e-5, s.at(1_000_000), 0);
        for (long step = 5; step < 15; step++) {
            assertTrue(s.at(step + 1) < s.at(step), "not decreasing at " + step);
        }
    }

    @Test
    void constantAfterWarmupStaysAtTheBaseRate() {
        ConstantAfterWarmup s = new ConstantAfterWarmup(2e-4, 3, 1e-6);
        assertEquals(1e-6, s.at(0), 0);
        assertEquals(2e-4, s.at(2), 1e-18);
        assertEquals(2e-4, s.at(10_000_000_000L), 0);
    }

    @Test
    void warmupStableDecayDecaysOnlyWhenAsked() {
        WarmupStableDecay open = WarmupStableDecay.unbounded(1e-3, 0, 2, 4, 0);
        assertEquals(1e-3, open.at(1), 0);
        assertEquals(1e-3, open.at(50_000_000L), 0);
        WarmupStableDecay annealed = open.decayingFrom(100);
        assertEquals(1e-3, annealed.at(99), 0);
        assertEquals(1e-3, annealed.at(100), 1e-18);
        assertEquals(0.5e-3, annealed.at(102), 1e-15);
        assertEquals(0, annealed.at(104), 0);
    }

    @Test
    void invalidSettingsAreNamed() {
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class,
                () -> new WarmupCosine(1e-3, 0, 10, 10, 0));
        assertTrue(total.getMessage().contains("totalSteps"), total.getMessage());
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> new ConstantAfterWarmup(Double.NaN, 1, 0));
        assertTrue(rate.getMessage().contains("learning rate"), rate.getMessage());
        IllegalArgumentException decay = assertThrows(IllegalArgumentException.class,
                () -> new WarmupStableDecay(1e-3, 0, 10, 5, 4, 0));
        assertTrue(decay.getMessage().contains("decayStart"), decay.getMessage());
    }
}
