package org.beitstream.evaluator;

import org.beitstream.schemas.ImageRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The labelled images of one source (every {@code fashion-mnist:...} image, every {@code mosaic:...} image), split
 * into the part probes are trained on and the part they are scored on.
 *
 * @param name         the source prefix, reported as the metric's {@code dataset}
 * @param segmentation whether the images carry pixel masks (a segmentation set) rather than being classified
 * @param classes      classes of the labels, or of the masks' pixels (the background included)
 */
record EvalDataset(String name, boolean segmentation, int classes, List<ImageRecord> train, List<ImageRecord> test) {
    EvalDataset {
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /**
     * What the scores depend on besides the weights: the images, their labels or masks, and their split. The
     * ingest time is left out, so re-ingesting the same set keeps a cached baseline valid.
     */
    String fingerprint() {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha256.update(name.getBytes(StandardCharsets.UTF_8));
        for (List<ImageRecord> part : List.of(train, test)) {
            sha256.update((byte) 0);
            for (ImageRecord image : part) {
                sha256.update(image.getId().getBytes(StandardCharsets.UTF_8));
                sha256.update(image.getData().duplicate());
                sha256.update(ByteBuffer.allocate(4).putInt(image.getLabel() == null ? -1 : image.getLabel()).flip());
                if (image.getSegmentation() != null) {
                    sha256.update(image.getSegmentation().getClasses().duplicate());
                }
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
