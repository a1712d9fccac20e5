package org.beitstream.runtime.ops;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeartbeatTest {
    @Test
    void upWhileTheLoopTurnsDownBeforeWhenStalledAndAfter() {
        AtomicLong now = new AtomicLong(0);
        Heartbeat heartbeat = new Heartbeat("training loop", Duration.ofMinutes(10), now::get);
        assertEquals(Health.down("training loop not started yet"), heartbeat.check());

        heartbeat.beat();
        now.addAndGet(Duration.ofSeconds(42).toNanos());
        assertEquals(Health.up("training loop last turned 42 s ago"), heartbeat.check());

        now.addAndGet(Duration.ofMinutes(10).toNanos());
        Health stalled = heartbeat.check();
        assertFalse(stalled.up());
        assertTrue(stalled.detail().endsWith("stalled"), stalled.detail());

        heartbeat.beat();
        assertTrue(heartbeat.check().up(), "a loop that turns again is healthy again");

        heartbeat.end();
        assertEquals(Health.down("training loop ended"), heartbeat.check());
    }
}
