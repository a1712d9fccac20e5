package org.beitstream.trainer;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.beitstream.model.beit.BeitConfig;
import org.beitstream.runtime.KafkaRoundTrip;
import org.beitstream.runtime.config.KafkaSettings;
import org.beitstream.schemas.PixelTensor;
import org.beitstream.schemas.TokenizedImage;
import org.beitstream.schemas.Topics;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Tokenized images made up for tests, so the trainer can be tested without a tokenizer: random pixels, and
 * tokens that are a function of the patch content (the brightness of the patch in {@code vocab} levels), so a
 * model can learn to predict them.
 */
public final class SyntheticImages {
    /** 8x8 grey images, 2x2 patches (a 4x4 grid), width 16, 2 layers, 16 tokens: fast enough for many steps. */
    public static final BeitConfig TINY = new BeitConfig(8, 2, 1, 16, 2, 2, 2.0, 1, 1, 16, 0.1,
            true, false, false, true, 0.02);

    private SyntheticImages() {}

    public static TokenizedImage image(BeitConfig model, String id, String tokenizerVersion, Random random) {
        int side = model.imgSize();
        int patch = model.patchSize();
        int grid = model.gridSize();
        byte[] pixels = new byte[model.inChans() * side * side];
        random.nextBytes(pixels);
        List<Integer> tokens = new ArrayList<>();
        for (int row = 0; row < grid; row++) {
            for (int col = 0; col < grid; col++) {
                long sum = 0;
                for (int c = 0; c < model.inChans(); c++) {
                    for (int y = row * patch; y < (row + 1) * patch; y++) {
                        for (int x = col * patch; x < (col + 1) * patch; x++) {
                            sum += pixels[(c * side + y) * side + x] & 0xFF;
                        }
                    }
                }
                double mean = sum / (double) (model.inChans() * patch * patch * 256);
                tokens.add((int) Math.min(model.vocabSize() - 1, mean * model.vocabSize()));
            }
        }
        return TokenizedImage.newBuilder().setId(id).setTokenizerVersion(tokenizerVersion)
                .setGridHeight(grid).setGridWidth(grid).setTokens(tokens)
                .setPixels(PixelTensor.newBuilder().setChannels(model.inChans()).setHeight(side).setWidth(side)
                        .setData(ByteBuffer.wrap(pixels)).build())
                .setLabel(null).setSource("synthetic").setTimestamp(Instant.now()).build();
    }

    /** Produces {@code count} images of {@code version} with ids {@code <prefix>-<i>}, spread over the partitions. */
    public static void produce(KafkaSettings kafka, BeitConfig model, String prefix, String version, int count, long seed) {
        Random random = new Random(seed);
        List<ProducerRecord<String, TokenizedImage>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TokenizedImage image = image(model, prefix + "-" + i, version, random);
            records.add(new ProducerRecord<>(Topics.IMAGES_TOKENIZED.name(), image.getId(), image));
        }
        KafkaRoundTrip.produce(kafka, Topics.IMAGES_TOKENIZED, records);
    }
}
