package org.beitstream.runtime.images;

import org.beitstream.runtime.config.SettingException;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomResizedCropTest {

    @Test
    void cropsLieInsideTheImageWithinTheScaleAndRatioRanges() {
        RandomResizedCrop crop = new RandomResizedCrop(0.4, 1.0, 3.0 / 4, 4.0 / 3);
        SplittableRandom random = new SplittableRandom(5);
        int fallbacks = 0;
        for (int i = 0; i < 2000; i++) {
            SquareImage.Box box = crop.sample(64, 48, random);
            assertTrue(box.x() >= 0 && box.y() >= 0 && box.x() + box.width() <= 64 && box.y() + box.height() <= 48, box.toString());
            double share = box.width() * box.height() / (64.0 * 48);
            double ratio = box.width() / box.height();
            boolean drawn = share >= 0.4 - 0.03 && share <= 1.0 && ratio >= 0.75 - 0.05 && ratio <= 4.0 / 3 + 0.05;
            fallbacks += drawn ? 0 : 1;
        }
        assertTrue(fallbacks < 20, fallbacks + " of 2000 crops outside the ranges");
    }

    @Test
    void theSameRandomStreamGivesTheSameCropAndAnotherOneMostlyNot() {
        RandomResizedCrop crop = RandomResizedCrop.defaults();
        assertEquals(crop.sample(28, 28, new SplittableRandom(9)), crop.sample(28, 28, new SplittableRandom(9)));
        assertNotEquals(crop.sample(28, 28, new SplittableRandom(9)), crop.sample(28, 28, new SplittableRandom(10)));
    }

    @Test
    void aCropOfTheWholeImageIsTheImage() {
        DecodedImage image = new DecodedImage(4, 4, 1, new byte[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
        byte[] whole = SquareImage.chw(image, new SquareImage.Box(0, 0, 4, 4), 4, 1);
        assertEquals(15, whole[15]);
        byte[] corner = SquareImage.chw(image, new SquareImage.Box(2, 2, 2, 2), 2, 1);
        assertEquals(10, corner[0]);
        assertEquals(15, corner[3]);
    }

    @Test
    void impossibleRangesNameTheirFlag() {
        assertTrue(assertThrows(SettingException.class, () -> new RandomResizedCrop(0.5, 0.2, 1, 1)).getMessage()
                .startsWith("--crop-scale"));
        assertTrue(assertThrows(SettingException.class, () -> new RandomResizedCrop(0.2, 1, 2, 1)).getMessage()
                .startsWith("--crop-ratio"));
    }
}
