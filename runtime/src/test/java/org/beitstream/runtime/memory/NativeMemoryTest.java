package org.beitstream.runtime.memory;

import com.sun.jna.NativeLibrary;
import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeMemoryTest {
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
     * glibc accepts both settings. What they are worth (page faults and speed of a training step) is
     * measured by {@code bench model} and {@code bench/compare-timm.sh}, see docs/BENCHMARKS.md.
     */
    @Test
    void glibcAcceptsTheRetainSettings() {
        assumeTrue(Files.exists(Path.of("/proc/self/maps")) && isGlibc(), "not a glibc Linux");
        assertTrue(NativeMemory.RETAIN.apply(), "mallopt refused a setting");
    }

    private static boolean isGlibc() {
        try {
            NativeLibrary.getInstance("c").getFunction("gnu_get_libc_version");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
