package org.beitstream.app.demo;

import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoPlanTest {

    @Test
    void everyPhaseFitsInTheBudget() {
        for (double minutes : new double[]{2, 3, 10, 30, 120}) {
            DemoPlan plan = DemoPlan.forMinutes(minutes);
            Duration used = DemoPlan.START_UP.plus(plan.tokenizerTraining()).plus(plan.pretraining())
                    .plus(DemoPlan.FINAL_EVALUATION).plus(DemoPlan.SHUT_DOWN);
            assertEquals(plan.total(), used, minutes + " min");
            assertTrue(plan.pretraining().compareTo(plan.tokenizerTraining()) >= 0, minutes + " min: " + plan);
            assertTrue(plan.warmupSteps() >= 20 && plan.warmupSteps() <= Math.max(20, plan.expectedSteps() / 10),
                    plan.toString());
        }
    }

    @Test
    void shortDemosCheckpointOnlyAtTheEndLongOnesTwiceBefore() {
        assertEquals(Duration.ZERO, DemoPlan.forMinutes(3).checkpointEvery());
        DemoPlan half = DemoPlan.forMinutes(30);
        assertEquals(Duration.ofMinutes(5), half.tokenizerTraining(), "the tokenizer's share is capped");
        assertEquals(2, half.pretraining().toMillis() / half.checkpointEvery().toMillis(),
                "two intermediate checkpoints, none just before the final one");
    }

    @Test
    void pretrainingGivesWayToTheEvaluationWhenTheStartWasSlow() {
        DemoPlan plan = DemoPlan.forMinutes(3);
        assertEquals(plan.pretraining(), plan.pretrainingLeft(DemoPlan.START_UP.plus(plan.tokenizerTraining())));
        assertEquals(Duration.ofSeconds(20), plan.pretrainingLeft(Duration.ofMinutes(3)), "never less than 20 s");
    }

    @Test
    void tooShortABudgetIsRefusedNamingTheFlag() {
        SettingException e = assertThrows(SettingException.class, () -> DemoPlan.forMinutes(1.5));
        assertTrue(e.getMessage().contains("--minutes"), e.getMessage());
        assertThrows(SettingException.class, () -> DemoPlan.forMinutes(Double.NaN));
    }
}
