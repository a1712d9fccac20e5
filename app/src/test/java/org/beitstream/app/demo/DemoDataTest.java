package org.beitstream.app.demo;

import org.beitstream.ingest.source.ImageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoDataTest {

    @Test
    void withoutFashionMnistTheDemoSaysSoAndUsesSyntheticScenes(@TempDir Path empty) throws Exception {
        DemoData data = DemoData.detect(empty);
        assertFalse(data.isFashionMnist());
        assertTrue(data.description().contains("apt-get install dataset-fashion-mnist"), data.description());
        assertEquals(List.of("synthetic"), data.evaluationSources().stream().map(DemoData.EvaluationSource::spec).toList());
        try (ImageSource first = data.streamPass(1); ImageSource second = data.streamPass(2)) {
            String a = first.next().id();
            String b = second.next().id();
            assertTrue(b.startsWith("pass-2/"), b);
            assertNotEquals(a, b.substring("pass-2/".length()), "each pass draws new scenes");
        }
    }
}
