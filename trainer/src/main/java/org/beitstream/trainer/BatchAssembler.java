package org.beitstream.trainer;

import org.beitstream.model.beit.BeitConfig;
import org.beitstream.model.masking.BlockwiseMaskingGenerator;
import org.beitstream.model.masking.PatchMask;
import org.beitstream.model.masking.SeededMaskRandom;
import org.beitstream.model.teacher.ImageNormalization;
import org.beitstream.schemas.TokenizedImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Turns the records of images.tokenized, one at a time, into training batches:
 * <ol>
 *   <li>records of another tokenizer version than the pinned one (the configured version, else the first one
 *       seen) are counted and skipped: tokens of two codebooks mean different things;</li>
 *   <li>records whose grid, pixel shape or tokens do not fit the model are counted and skipped;</li>
 *   <li>once enough fresh images are in, replayed ones are drawn, each image gets a blockwise mask, pixels are
 *       normalised to floats, and the labels are the tokens at masked positions, image-major then patch index
 *       (the order of the model's logits).</li>
 * </ol>
 * Every record moves the partition's next offset, skipped ones included, so a batch knows how far the stream
 * was read for it. Not thread-safe: the prefetch thread owns it.
 */
final class BatchAssembler {
    private static final Logger LOG = LoggerFactory.getLogger(BatchAssembler.class);

    private final BeitConfig model;
    private final int batchSize;
    private final int replayPerBatch;
    private final long seed;
    private final BlockwiseMaskingGenerator masks;
    private final ReplayBuffer replay;
    private final float[] mean;
    private final float[] std;
    private final Map<Integer, Long> nextOffsets = new TreeMap<>();
    private final List<Sample> fresh = new ArrayList<>();
    private String tokenizerVersion;
    private long nextBatchIndex;
    private long otherVersionRecords;
    private long incompatibleRecords;

    /**
     * @param startOffsets   where each partition is read from (a checkpoint's offsets, or the log starts)
     * @param firstBatchIndex the step the first batch is for (the resumed step, or 0)
     */
    BatchAssembler(TrainerConfig config, Optional<String> tokenizerVersion, Map<Integer, Long> startOffsets,
                   long firstBatchIndex) {
        this.model = config.model();
        this.batchSize = config.batchSize();
        this.replayPerBatch = config.replay().capacity() == 0 ? 0
                : (int) Math.round(config.replay().fraction() * config.batchSize());
        this.seed = config.seed();
        this.masks = new BlockwiseMaskingGenerator(config.masking(), BlockwiseMaskingGenerator.Variant.BEIT_V2);
        this.replay = new ReplayBuffer(config.replay().capacity());
        this.tokenizerVersion = tokenizerVersion.orElse(null);
        this.nextOffsets.putAll(startOffsets);
        this.nextBatchIndex = firstBatchIndex;
        ImageNormalization normalization = model.inputNormalization();
        this.mean = toFloats(normalization.mean());
        this.std = toFloats(normalization.std());
    }

    /** The positions the consumer really starts from (a stored offset may have been reset to the log start). */
    void startFrom(Map<Integer, Long> positions) {
        nextOffsets.putAll(positions);
    }

    /** Takes the record at {@code offset} of {@code partition}; returns a batch when this record completed one. */
    Optional<Batch> add(int partition, long offset, TokenizedImage image) {
        nextOffsets.put(partition, offset + 1);
        if (tokenizerVersion == null) {
            tokenizerVersion = image.getTokenizerVersion();
            LOG.info("pinned to tokenizer version {} (the first record seen)", tokenizerVersion);
        }
        if (!tokenizerVersion.equals(image.getTokenizerVersion())) {
            otherVersionRecords++;
            return Optional.empty();
        }
        Optional<String> problem = incompatibility(image);
        if (problem.isPresent()) {
            if (incompatibleRecords++ == 0) {
                LOG.warn("skipping records that do not fit the model, first {}: {}", image.getId(), problem.get());
            }
            return Optional.empty();
        }
        fresh.add(new Sample(image.getId(), bytes(image.getPixels().getData()),
                image.getTokens().stream().mapToInt(Integer::intValue).toArray()));
        // Early on the buffer holds fewer samples than a batch replays: fresh images fill the gap.
        int replayed = Math.min(replayPerBatch, replay.size());
        return fresh.size() + replayed >= batchSize ? Optional.of(assemble(replayed)) : Optional.empty();
    }

    private Optional<String> incompatibility(TokenizedImage image) {
        int grid = model.gridSize();
        if (image.getGridHeight() != grid || image.getGridWidth() != grid) {
            return Optional.of("token grid " + image.getGridHeight() + "x" + image.getGridWidth()
                    + ", the model's is " + grid + "x" + grid);
        }
        if (image.getTokens().size() != model.numPatches()) {
            return Optional.of(image.getTokens().size() + " tokens for a " + grid + "x" + grid + " grid");
        }
        var pixels = image.getPixels();
        if (pixels.getChannels() != model.inChans() || pixels.getHeight() != model.imgSize()
                || pixels.getWidth() != model.imgSize()) {
            return Optional.of("pixels " + pixels.getChannels() + "x" + pixels.getHeight() + "x" + pixels.getWidth()
                    + ", the model takes " + model.inChans() + "x" + model.imgSize() + "x" + model.imgSize());
        }
        if (pixels.getData().remaining() != model.inChans() * model.imgSize() * model.imgSize()) {
            return Optional.of(pixels.getData().remaining() + " pixel bytes for a "
                    + pixels.getChannels() + "x" + pixels.getHeight() + "x" + pixels.getWidth() + " image");
        }
        for (int token : image.getTokens()) {
            if (token < 0 || token >= model.vocabSize()) {
                return Optional.of("token " + token + " outside the model's vocabulary of " + model.vocabSize());
            }
        }
        return Optional.empty();
    }

    private Batch assemble(int replayedCount) {
        long index = nextBatchIndex++;
        SplittableRandom replayRandom = new SplittableRandom(Seeds.of(seed, Seeds.Stream.REPLAY, index));
        List<Sample> samples = new ArrayList<>(fresh);
        // Drawn before this batch's fresh images enter the buffer: replay means images of earlier batches.
        samples.addAll(replay.draw(replayedCount, replayRandom));
        for (Sample sample : fresh) {
            replay.offer(sample, replayRandom);
        }
        fresh.clear();

        SeededMaskRandom maskRandom = new SeededMaskRandom(Seeds.of(seed, Seeds.Stream.MASKS, index));
        int patches = model.numPatches();
        int pixelsPerImage = model.inChans() * model.imgSize() * model.imgSize();
        int planeSize = model.imgSize() * model.imgSize();
        float[] images = new float[samples.size() * pixelsPerImage];
        boolean[] mask = new boolean[samples.size() * patches];
        long[] labels = new long[samples.size() * masks.config().numMaskingPatches()];
        int label = 0;
        for (int b = 0; b < samples.size(); b++) {
            Sample sample = samples.get(b);
            for (int i = 0; i < pixelsPerImage; i++) {
                int channel = i / planeSize;
                images[b * pixelsPerImage + i] = ((sample.pixels()[i] & 0xFF) / 255f - mean[channel]) / std[channel];
            }
            PatchMask patchMask = masks.generate(maskRandom);
            boolean[] masked = patchMask.masked();
            for (int n = 0; n < patches; n++) {
                if (masked[n]) {
                    mask[b * patches + n] = true;
                    labels[label++] = sample.tokens()[n];
                }
            }
        }
        return new Batch(index, samples.size(), images, mask, labels, replayedCount, nextOffsets, tokenizerVersion,
                otherVersionRecords, incompatibleRecords);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
