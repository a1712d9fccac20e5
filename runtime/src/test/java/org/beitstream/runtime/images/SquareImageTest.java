package org.beitstream.runtime.images;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SquareImageTest {

    @Test
    void anImageOfTheRightSizeIsOnlyReordered() {
        byte[] hwc = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        byte[] chw = SquareImage.chw(new DecodedImage(2, 2, 3, hwc), 2, 3);
        assertArrayEquals(new byte[] {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12}, chw);
    }

    @Test
    void theLongerSideIsCentreCroppedAndColourBecomesGrey() {
        // 6 x 2: left third black, middle white, right third black; resized to 2 x 2 after cropping to 2 x 2.
        byte[] pixels = new byte[6 * 2 * 3];
        for (int y = 0; y < 2; y++) {
            for (int x = 2; x < 4; x++) {
                for (int c = 0; c < 3; c++) {
                    pixels[(y * 6 + x) * 3 + c] = (byte) 255;
                }
            }
        }
        byte[] grey = SquareImage.chw(new DecodedImage(6, 2, 3, pixels), 2, 1);
        assertArrayEquals(new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255}, grey);
    }

    @Test
    void upscalingAConstantImageKeepsItConstantAndGreyFillsEveryChannel() {
        byte[] pixels = new byte[3 * 3];
        java.util.Arrays.fill(pixels, (byte) 77);
        byte[] rgb = SquareImage.chw(new DecodedImage(3, 3, 1, pixels), 8, 3);
        assertEquals(3 * 8 * 8, rgb.length);
        for (byte b : rgb) {
            assertEquals(77, b & 0xff);
        }
    }
}
