package org.beitstream.schemas;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class CorruptPayloadTest {
    private final AvroSerde<ImageRecord> serde = AvroSerde.of(ImageRecord.class);

    @Test
    void randomBytesAreATypedError() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            assertThrows(PayloadException.class, () -> serde.decode("images.raw", junk));
        }
    }

    @Test
    void everyTruncationOfAValidRecordIsATypedError() {
        byte[] valid = serde.encode(SampleRecords.image("truncated"));
        for (int length = 0; length < valid.length; length++) {
            byte[] cut = Arrays.copyOf(valid, length);
            assertThrows(PayloadException.class, () -> serde.decode("images.raw", cut), "length " + length);
        }
    }

    @Test
    void aValidHeaderWithACorruptBodyIsATypedErrorNamingTheTopic() {
        byte[] valid = serde.encode(SampleRecords.image("body"));
        Random random = new Random(11);
        int failures = 0;
        for (int trial = 0; trial < 500; trial++) {
            byte[] corrupt = valid.clone();
            // Keep the 10-byte header (marker + fingerprint) and scramble the body.
            for (int i = 10; i < corrupt.length; i++) {
                corrupt[i] = (byte) random.nextInt(256);
            }
            try {
                serde.decode("images.raw", corrupt);
            } catch (PayloadException e) {
                failures++;
                assertTrue(e.getMessage().contains("images.raw"), e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("corrupt body escaped as " + e, e);
            }
        }
        assertTrue(failures > 0, "scrambled bodies should mostly fail to decode");
    }

    @Test
    void aRecordOfAnotherTopicIsRejected() {
        byte[] deadLetter = AvroSerde.of(DeadLetter.class).encode((DeadLetter) SampleRecords.oneOfEach().get(1));
        assertThrows(PayloadException.class, () -> serde.decode("images.raw", deadLetter));
    }
}
