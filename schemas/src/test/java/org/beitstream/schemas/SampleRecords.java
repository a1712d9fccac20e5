package org.beitstream.schemas;

import org.apache.avro.specific.SpecificRecord;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/** One valid record of every data topic, for serde and broker tests. */
public final class SampleRecords {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_000L);

    private SampleRecords() {}

    public static ImageRecord image(String id) {
        return ImageRecord.newBuilder()
                .setId(id)
                .setData(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}))
                .setFormat("raw-gray8")
                .setWidth(2).setHeight(2).setChannels(1)
                .setSource("test")
                .setTimestamp(T)
                .setLabel(3).setLabelName("dress")
                .setSegmentation(SegmentationMask.newBuilder().setWidth(2).setHeight(2).setNumClasses(11)
                        .setClasses(ByteBuffer.wrap(new byte[] {0, 3, 3, 0})).build())
                .setSplit(Split.TRAIN)
                .build();
    }

    public static List<SpecificRecord> oneOfEach() {
        return List.of(
                image("i-1"),
                DeadLetter.newBuilder().setOriginalKey(ByteBuffer.wrap(new byte[] {7}))
                        .setOriginalValue(ByteBuffer.wrap(new byte[] {9, 9})).setReason("not an image")
                        .setErrorType("UNDECODABLE").setSourceTopic("images.raw").setSourcePartition(2)
                        .setSourceOffset(41L).setService("test").setTimestamp(T).build(),
                TokenizedImage.newBuilder().setId("i-1").setTokenizerVersion("v1").setGridHeight(1).setGridWidth(2)
                        .setTokens(List.of(5, 8191))
                        .setPixels(PixelTensor.newBuilder().setChannels(1).setHeight(2).setWidth(2)
                                .setData(ByteBuffer.wrap(new byte[] {0, 127, (byte) 255, 3})).build())
                        .setLabel(null).setSource("test").setTimestamp(T).build(),
                TokenizerAnnouncement.newBuilder().setVersion("v1").setObjectUri("s3://b/tokenizers/v1/weights")
                        .setSha256("00").setConfig("{}").setCreatedAt(T).build(),
                CheckpointAnnouncement.newBuilder().setRunId("r").setStep(100).setManifestUri("s3://b/runs/r/100/MANIFEST.json")
                        .setObjects(List.of(StoredObject.newBuilder().setUri("s3://b/runs/r/100/model").setSha256("ab")
                                .setBytes(10).build()))
                        .setOffsets(List.of(PartitionOffset.newBuilder().setTopic("images.tokenized").setPartition(0)
                                .setOffset(12).build()))
                        .setTokenizerVersion("v1").setConfig("{}").setCreatedAt(T).build());
    }
}
