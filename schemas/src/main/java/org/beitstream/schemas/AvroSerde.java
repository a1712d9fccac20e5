package org.beitstream.schemas;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Kafka serde for a generated Avro class, in Avro's single-object encoding: a two-byte marker, the
 * 8-byte fingerprint of the writer's schema, then the binary record. The fingerprint lets a reader
 * resolve records written with an older schema (register it with {@link #withWriterSchema}) and lets
 * anything that is not such a record fail with a {@link PayloadException} instead of garbage.
 * No schema registry is needed.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Class<T> type) {
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
    }

    public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(type);
    }

    /** Accept records written with an earlier (compatible) version of the schema. */
    public AvroSerde<T> withWriterSchema(Schema writerSchema) {
        decoder.addSchema(writerSchema);
        return this;
    }

    public byte[] encode(T record) {
        EncodingBuffer buffer = EncodingBuffer.forThisThread();
        try {
            encoder.encode(record, buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (AvroRuntimeException | NullPointerException | ClassCastException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes one payload; anything but a valid record of a known schema is a {@link PayloadException}. */
    public T decode(String topic, byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (BadHeaderException e) {
            throw new PayloadException(topic, "not an Avro single-object record (" + e.getMessage() + ")", e);
        } catch (MissingSchemaException e) {
            throw new PayloadException(topic, "written with a schema this reader does not know (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            // Truncated or corrupted bodies surface as EOF, negative lengths or out-of-range indices.
            throw new PayloadException(topic, "corrupt " + type.getSimpleName() + " record ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, record) -> record == null ? null : encode(record);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(topic, bytes);
    }

    /**
     * Where records are encoded: Avro writes a record field by field, and {@code ByteArrayOutputStream} locks on
     * every write, which made encoding twice as slow as it needs to be. One buffer per thread, reused; one that
     * grew for a large image is let go rather than kept for the thread's life.
     */
    private static final class EncodingBuffer extends OutputStream {
        private static final int KEPT_CAPACITY = 1 << 20;
        private static final ThreadLocal<EncodingBuffer> PER_THREAD = ThreadLocal.withInitial(EncodingBuffer::new);

        private byte[] bytes = new byte[4096];
        private int size;

        static EncodingBuffer forThisThread() {
            EncodingBuffer buffer = PER_THREAD.get();
            buffer.size = 0;
            return buffer;
        }

        @Override
        public void write(int b) {
            ensureRoom(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] source, int offset, int length) {
            ensureRoom(length);
            System.arraycopy(source, offset, bytes, size, length);
            size += length;
        }

        byte[] toByteArray() {
            byte[] copy = Arrays.copyOf(bytes, size);
            if (bytes.length > KEPT_CAPACITY) {
                PER_THREAD.remove();
            }
            return copy;
        }

        private void ensureRoom(int length) {
            if (size + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + length));
            }
        }
    }
}
