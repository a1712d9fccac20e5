package org.beitstream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SchemaEvolutionTest {

    static Stream<Schema> topicSchemas() {
        return Stream.of(ImageRecord.getClassSchema(), DeadLetter.getClassSchema(), TokenizedImage.getClassSchema(),
                TokenizerAnnouncement.getClassSchema(), CheckpointAnnouncement.getClassSchema());
    }

    /** The schema with one more field appended. */
    private static Schema withExtraField(Schema schema, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(extra);
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static Schema.Field optionalString(String name) {
        Schema nullable = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        return new Schema.Field(name, nullable, "added later", Schema.Field.NULL_DEFAULT_VALUE);
    }

    @ParameterizedTest
    @MethodSource("topicSchemas")
    void addingAnOptionalFieldIsBackwardCompatible(Schema current) {
        Schema next = withExtraField(current, optionalString("addedLater"));
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(next, current).getType(),
                "a reader with the new optional field must read data written with " + current.getName());
    }

    @ParameterizedTest
    @MethodSource("topicSchemas")
    void addingARequiredFieldIsNot(Schema current) {
        Schema next = withExtraField(current, new Schema.Field("required", Schema.create(Schema.Type.STRING)));
        assertEquals(SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(next, current).getType());
    }

    @Test
    void recordsOfTheCurrentSchemaDecodeUnderTheNextOne() throws Exception {
        ImageRecord image = SampleRecords.image("a");
        Schema next = withExtraField(ImageRecord.getClassSchema(), optionalString("cameraId"));
        BinaryMessageDecoder<GenericRecord> nextReader = new BinaryMessageDecoder<>(GenericData.get(), next);
        nextReader.addSchema(ImageRecord.getClassSchema());

        GenericRecord read = nextReader.decode(ImageRecord.getEncoder().encode(image));

        assertEquals("a", read.get("id").toString());
        assertNull(read.get("cameraId"));
    }

    @Test
    void theSerdeReadsRecordsOfAnOlderWriterOnceItKnowsItsSchema() throws Exception {
        Schema current = ImageRecord.getClassSchema();
        List<Schema.Field> olderFields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("split")) {
                olderFields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema older = Schema.createRecord(current.getName(), null, current.getNamespace(), false, olderFields);
        GenericRecord old = new GenericData.Record(older);
        ImageRecord template = SampleRecords.image("old-1");
        for (Schema.Field f : olderFields) {
            old.put(f.name(), template.get(f.name()));
        }
        old.put("timestamp", template.getTimestamp().toEpochMilli()); // generic data has no logical-type conversion
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        assertThrows(PayloadException.class, () -> AvroSerde.of(ImageRecord.class).decode("images.raw", bytes),
                "an unknown writer schema must be rejected, not misread");
        ImageRecord decoded = AvroSerde.of(ImageRecord.class).withWriterSchema(older).decode("images.raw", bytes);
        assertEquals("old-1", decoded.getId());
        assertNull(decoded.getSplit());
    }

    @Test
    void everySerdeRoundTripsItsRecord() {
        for (SpecificRecord record : SampleRecords.oneOfEach()) {
            @SuppressWarnings("unchecked")
            Class<SpecificRecord> type = (Class<SpecificRecord>) record.getClass();
            AvroSerde<SpecificRecord> serde = AvroSerde.of(type);
            assertEquals(record, serde.decode("t", serde.encode(record)));
        }
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), SampleRecords.image("x").getTimestamp());
    }
}
