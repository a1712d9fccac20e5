package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.schemas.PixelTensor;
import org.beitstream.schemas.TokenizedImage;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tokenized image becomes a PNG of exactly its pixels, next to its tokens; a malformed one is left out. */
class TokenizedImageViewTest {
    private static TokenizedImage image(int channels, int width, int height, byte[] data, List<Integer> tokens) {
        return TokenizedImage.newBuilder().setId("img").setTokenizerVersion("tok-1").setGridHeight(1).setGridWidth(2)
                .setTokens(tokens).setPixels(PixelTensor.newBuilder().setChannels(channels).setWidth(width)
                        .setHeight(height).setData(ByteBuffer.wrap(data)).build())
                .setLabel(7).setSource("test").setTimestamp(Instant.parse("2026-11-24T01:00:00Z")).build();
    }

    private static BufferedImage png(ObjectNode view) throws Exception {
        String url = view.get("png").asText();
        assertTrue(url.startsWith("data:image/png;base64,"), url);
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))));
    }

    @Test
    void greyPixelsAndTokensArePassedOnExactly() throws Exception {
        byte[] grey = {0, 10, (byte) 200, 30, 40, (byte) 255}; // 3 wide, 2 high
        ObjectNode view = TokenizedImageView.of(image(1, 3, 2, grey, List.of(5, 900))).orElseThrow();
        BufferedImage picture = png(view);
        assertEquals(3, picture.getWidth());
        assertEquals(2, picture.getHeight());
        assertEquals(200, picture.getRaster().getSample(2, 0, 0));
        assertEquals(255, picture.getRaster().getSample(2, 1, 0));
        assertEquals("[5,900]", view.get("tokens").toString());
        assertEquals("tok-1", view.get("tokenizerVersion").asText());
        assertEquals(7, view.get("label").asInt());
        assertEquals("2026-11-24T01:00:00Z", view.get("timestamp").asText());
    }

    @Test
    void threeChannelsAreColour() throws Exception {
        byte[] rgb = {(byte) 255, 0, 0, (byte) 128, 7, 9}; // 2x1, channel-major: red plane, green plane, blue plane
        BufferedImage picture = png(TokenizedImageView.of(image(3, 2, 1, rgb, List.of(1, 2))).orElseThrow());
        assertEquals(0xFF0007, picture.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x008009, picture.getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void pixelsOrTokensThatDoNotMatchTheirShapeAreLeftOut() {
        assertFalse(TokenizedImageView.of(image(1, 3, 2, new byte[5], List.of(1, 2))).isPresent());
        assertFalse(TokenizedImageView.of(image(1, 3, 2, new byte[6], List.of(1))).isPresent());
        assertFalse(TokenizedImageView.of(image(2, 3, 1, new byte[6], List.of(1, 2))).isPresent());
    }
}
