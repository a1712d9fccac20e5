package org.beitstream.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beitstream.schemas.PixelTensor;
import org.beitstream.schemas.TokenizedImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;

/**
 * A tokenized image as the page draws it: the pixels the tokens belong to as a PNG data URL (grey for one channel,
 * colour for three), next to the token grid and the tokenizer version that made it.
 */
final class TokenizedImageView {
    private TokenizedImageView() {}

    /** The page's JSON of {@code image}; empty when its pixels or tokens do not match their stated shape. */
    static Optional<ObjectNode> of(TokenizedImage image) {
        PixelTensor pixels = image.getPixels();
        int channels = pixels.getChannels();
        int plane = pixels.getHeight() * pixels.getWidth();
        ByteBuffer data = pixels.getData().duplicate();
        if (pixels.getHeight() < 1 || pixels.getWidth() < 1 || (channels != 1 && channels != 3)
                || data.remaining() != channels * plane
                || image.getTokens().size() != image.getGridHeight() * image.getGridWidth()) {
            return Optional.empty();
        }
        byte[] chw = new byte[data.remaining()];
        data.get(chw);
        ObjectNode view = JsonNodeFactory.instance.objectNode()
                .put("id", image.getId())
                .put("tokenizerVersion", image.getTokenizerVersion())
                .put("source", image.getSource())
                .put("timestamp", image.getTimestamp().toString())
                .put("width", pixels.getWidth())
                .put("height", pixels.getHeight())
                .put("channels", channels)
                .put("gridHeight", image.getGridHeight())
                .put("gridWidth", image.getGridWidth())
                .put("png", "data:image/png;base64," + Base64.getEncoder().encodeToString(
                        png(chw, channels, pixels.getWidth(), pixels.getHeight())));
        if (image.getLabel() != null) {
            view.put("label", image.getLabel());
        }
        image.getTokens().forEach(view.putArray("tokens")::add);
        return Optional.of(view);
    }

    /** Channel-major unsigned bytes to PNG. */
    private static byte[] png(byte[] chw, int channels, int width, int height) {
        int plane = width * height;
        BufferedImage picture = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            int x = i % width;
            int y = i / width;
            if (channels == 1) {
                picture.getRaster().setSample(x, y, 0, chw[i] & 0xFF);
            } else {
                picture.setRGB(x, y, (chw[i] & 0xFF) << 16 | (chw[plane + i] & 0xFF) << 8 | (chw[2 * plane + i] & 0xFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(picture, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an in-memory stream does not fail
        }
        return out.toByteArray();
    }
}
