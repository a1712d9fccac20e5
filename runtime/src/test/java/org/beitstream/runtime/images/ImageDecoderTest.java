package org.beitstream.runtime.images;

import org.beitstream.runtime.images.InvalidImageException.Kind;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.Limits.defaults());

    private Kind rejection(byte[] data, String format, int width, int height) {
        return assertThrows(InvalidImageException.class, () -> decoder.decode(data, format, width, height)).kind();
    }

    @Test
    void decodesGreyAndColourImagesOfEveryEncodedFormat() throws Exception {
        byte[] grey = TestImages.encode(TestImages.gradient(20, 10, BufferedImage.TYPE_BYTE_GRAY), "png");
        DecodedImage g = decoder.decode(grey, "png", 0, 0);
        assertEquals(1, g.channels());
        assertEquals(20, g.width());
        assertEquals(10, g.height());

        for (String format : new String[] {"png", "bmp", "jpeg"}) {
            byte[] rgb = TestImages.encode(TestImages.gradient(16, 8, BufferedImage.TYPE_INT_RGB), format);
            DecodedImage c = decoder.decode(rgb, format, 0, 0);
            assertEquals(3, c.channels(), format);
            assertEquals(16 * 8 * 3, c.pixels().length, format);
            assertArrayEquals(c.pixels(), decoder.decode(rgb, "", 0, 0).pixels(), "sniffed format decodes the same");
        }
        DecodedImage png = decoder.decode(TestImages.encode(TestImages.gradient(16, 8, BufferedImage.TYPE_INT_RGB), "png"),
                "png", 0, 0);
        assertEquals(255, png.value(15, 0, 0), "red ramps to 255 at the right edge");
    }

    @Test
    void rawPixelsNeedMatchingDimensions() throws Exception {
        assertEquals(784, decoder.decode(new byte[784], "raw-gray8", 28, 28).pixels().length);
        assertEquals(Kind.BAD_DIMENSIONS, rejection(new byte[783], "raw-gray8", 28, 28));
        assertEquals(Kind.BAD_DIMENSIONS, rejection(new byte[784], "raw-rgb8", 28, 28));
    }

    @Test
    void badInputIsRejectedWithItsKind() {
        byte[] png = TestImages.encode(TestImages.gradient(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        byte[] jpeg = TestImages.encode(TestImages.gradient(64, 64, BufferedImage.TYPE_INT_RGB), "jpeg");

        assertEquals(Kind.EMPTY, rejection(new byte[0], "png", 0, 0));
        assertEquals(Kind.UNSUPPORTED_FORMAT, rejection("just text".getBytes(), "", 0, 0));
        assertEquals(Kind.UNSUPPORTED_FORMAT, rejection(png, "tiff-of-doom", 0, 0));
        assertEquals(Kind.UNDECODABLE, rejection("not a png at all".getBytes(), "png", 0, 0));
        assertEquals(Kind.UNDECODABLE, rejection(png, "jpeg", 0, 0), "declared format must match the bytes");
        assertEquals(Kind.UNDECODABLE, rejection(Arrays.copyOf(png, png.length / 2), "png", 0, 0), "truncated PNG");
        assertEquals(Kind.UNDECODABLE, rejection(Arrays.copyOf(jpeg, jpeg.length / 2), "jpeg", 0, 0), "truncated JPEG");
        assertEquals(Kind.TOO_MANY_PIXELS, rejection(TestImages.pngHeaderOnly(30000, 30000), "png", 0, 0));
        assertEquals(Kind.TOO_LARGE, rejection(new byte[17 * 1024 * 1024], "png", 0, 0));
    }

    @Test
    void theBombIsRefusedFromItsHeaderAlone() {
        byte[] bomb = TestImages.pngHeaderOnly(30000, 30000);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> decoder.decode(bomb, "png", 0, 0));
        assertTrue(bomb.length < 64, "the file is tiny");
        assertTrue(e.getMessage().contains("30000x30000"), e.getMessage());
    }
}
