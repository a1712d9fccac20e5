package org.beitstream.ingest.source;

import org.beitstream.runtime.images.DecodedImage;
import org.beitstream.runtime.images.ImageDecoder;
import org.beitstream.schemas.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SourcesTest {
    @TempDir
    Path dir;

    private static List<SourceImage> drain(ImageSource source) {
        List<SourceImage> images = new ArrayList<>();
        source.forEachRemaining(images::add);
        return images;
    }

    @Test
    void readsIdxFilesWithLabelsAndSplits() throws Exception {
        IdxFixture.write(dir, 12, 5);
        List<SourceImage> test = drain(ImageSources.open("fashion-mnist:test",
                new ImageSources.Options(dir, 0, 0, 28, true)));
        assertEquals(5, test.size());
        assertEquals(3, test.get(3).label());
        assertEquals("dress", test.get(3).labelName());
        assertEquals(Split.TEST, test.get(3).split());
        assertEquals("raw-gray8", test.get(3).format());
        assertEquals(40 + 3, test.get(3).data()[14 * 28 + 14]);

        SourceImage stream = ImageSources.open("fashion-mnist", new ImageSources.Options(dir, 0, 0, 28, false)).next();
        assertEquals(null, stream.split(), "stream images carry no split");
    }

    @Test
    void theRealDataSetHasItsPublishedSize() throws Exception {
        assumeTrue(FashionMnist.available(FashionMnist.DEBIAN_PATH, FashionMnist.Part.TEST),
                "Debian package dataset-fashion-mnist not installed");
        FashionMnist test = FashionMnist.load(FashionMnist.DEBIAN_PATH, FashionMnist.Part.TEST);
        assertEquals(10_000, test.size());
        int[] perClass = new int[10];
        for (int label : test.labels()) {
            perClass[label]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, perClass);
    }

    @Test
    void mosaicsAreDeterministicAndTheirMasksMatchTheirPixels() throws Exception {
        IdxFixture.write(dir, 30, 30);
        ImageSources.Options options = new ImageSources.Options(dir, 5, 20, 56, true);
        List<SourceImage> first = drain(ImageSources.open("mosaic", options));
        List<SourceImage> again = drain(ImageSources.open("mosaic", options));
        assertEquals(20, first.size());
        for (int i = 0; i < first.size(); i++) {
            SourceImage m = first.get(i);
            assertArrayEquals(m.data(), again.get(i).data());
            assertEquals(MosaicSource.splitOf(i), m.split());
            assertEquals(56 * 56, m.mask().classes().length);
            for (int p = 0; p < m.data().length; p++) {
                boolean foreground = (m.data()[p] & 0xff) > MosaicSource.FOREGROUND_THRESHOLD;
                assertEquals(foreground, m.mask().classes()[p] != MosaicSource.BACKGROUND_CLASS, "pixel " + p);
            }
        }
        assertTrue(first.stream().anyMatch(m -> m.split() == Split.TEST));
    }

    @Test
    void syntheticScenesDecodeAndAreLabelledByTheirLargestShape() throws Exception {
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.defaults());
        List<SourceImage> scenes = drain(new SyntheticSource(32, 25, 1, true));
        for (SourceImage scene : scenes) {
            DecodedImage image = decoder.decode(scene.data(), scene.format(), 0, 0);
            assertEquals(3, image.channels());
            int[] area = new int[SyntheticSource.NUM_CLASSES];
            for (byte c : scene.mask().classes()) {
                area[c]++;
            }
            for (int c = 0; c < SyntheticSource.BACKGROUND_CLASS; c++) {
                assertTrue(area[scene.label()] >= area[c]);
            }
        }
        assertEquals(4, scenes.stream().map(SourceImage::label).distinct().count(), "every shape class appears");
    }

    @Test
    void anUnknownSourceNamesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSources.open("camera", new ImageSources.Options(dir, 0, 1, 28, false)));
        assertTrue(e.getMessage().startsWith("SOURCE:"), e.getMessage());
    }
}
