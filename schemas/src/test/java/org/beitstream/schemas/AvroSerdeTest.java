package org.beitstream.schemas;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AvroSerdeTest {
    private final AvroSerde<ImageRecord> serde = AvroSerde.of(ImageRecord.class);

    @Test
    void recordsOfEverySizeRoundTripOneAfterTheOtherOnOneThread() {
        Random random = new Random(3);
        // Small, larger than the initial buffer, larger than the buffer a thread keeps, then small again.
        for (int pixels : new int[]{784, 20_000, 3 << 20, 784, 0}) {
            byte[] data = new byte[pixels];
            random.nextBytes(data);
            ImageRecord record = SampleRecords.image("size-" + pixels);
            record.setData(ByteBuffer.wrap(data));
            ImageRecord back = serde.decode("images.raw", serde.encode(record));
            assertEquals(record.getId(), back.getId());
            assertArrayEquals(data, bytes(back.getData()), pixels + " bytes");
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
