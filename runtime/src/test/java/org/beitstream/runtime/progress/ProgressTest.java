package org.beitstream.runtime.progress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

    @Test
    void quickWorkPrintsOnlyItsFinalLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress progress = new Progress("ingest", 3, new PrintStream(bytes, true, StandardCharsets.UTF_8), false)) {
            progress.step(1);
            progress.step(2);
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(1, lines.length, String.join("|", lines));
        assertTrue(lines[0].startsWith("ingest  3/3  100.0%"), lines[0]);
    }
}
