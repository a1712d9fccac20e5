package org.beitstream.runtime.memory;

import com.sun.jna.Memory;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeMemoryTest {
    /**
     * Above glibc's largest mmap threshold (32 MiB) and below the size of the heaps of its per-thread arenas
     * (64 MiB), like the heads' logits of a training step.
     */
    private static final long BLOCK = 48L << 20;
    private static final long PAGES = BLOCK / 4096;

    @Test
    void theSettingDefaultsToRetainAndRejectsOtherValuesByName() {
        assertEquals(NativeMemory.RETAIN, NativeMemory.parse(null));
        assertEquals(NativeMemory.RETAIN, NativeMemory.parse(" "));
        assertEquals(NativeMemory.SYSTEM, NativeMemory.parse("System"));
        SettingException e = assertThrows(SettingException.class, () -> NativeMemory.parse("jemalloc"));
        assertEquals("BEIT_STREAM_MALLOC", e.setting());
        assertTrue(e.getMessage().contains("'jemalloc'"), e.getMessage());
        assertFalse(NativeMemory.SYSTEM.apply(), "system leaves malloc alone");
    }

    /**
     * With malloc's defaults, each of these blocks is mapped afresh and its 12,288 pages are faulted in again
     * on every use. Retained, the memory of the first block serves the next ones.
     */
    @Test
    void aFreedLargeBlockIsReusedWithoutFreshPageFaults() throws IOException {
        assumeTrue(Path.of("/proc/thread-self/stat").toFile().exists(), "needs Linux's /proc");
        assumeTrue(NativeMemory.RETAIN.apply(), "the C library has no glibc mallopt");
        touchAndFree();
        long before = minorFaultsOfThisThread();
        for (int i = 0; i < 3; i++) {
            touchAndFree();
        }
        long faults = minorFaultsOfThisThread() - before;
        assertTrue(faults < PAGES / 10, faults + " page faults for 3 reuses of a " + PAGES + "-page block");
    }

    private static void touchAndFree() {
        try (Memory block = new Memory(BLOCK)) {
            block.setMemory(0, BLOCK, (byte) 1);
        }
    }

    /** Field 10 of proc(5)'s stat, counted after the command name, which may contain spaces. */
    private static long minorFaultsOfThisThread() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(afterName[7]);
    }
}
