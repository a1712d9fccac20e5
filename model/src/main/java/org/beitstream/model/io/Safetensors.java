package org.beitstream.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw little-endian row-major data.
 *
 * <p>Written by hand rather than through {@code NDList.decode} so that every dtype the reference
 * vectors use (F32, F64, I64, BOOL) round-trips, tensor names are kept in file order, and an exported
 * tensor is byte-identical to the imported one.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private Safetensors() {}

    /** Loads every tensor of a file onto {@code manager}, keyed by name, in the order of the header. */
    public static Map<String, NDArray> read(Path file, NDManager manager) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            return decode(whole.order(ByteOrder.LITTLE_ENDIAN), manager, file.toString());
        }
    }

    /** Loads every tensor from a stream (for example an object-store download). */
    public static Map<String, NDArray> read(InputStream in, NDManager manager, String sourceName) throws IOException {
        byte[] bytes = in.readAllBytes();
        return decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), manager, sourceName);
    }

    private static Map<String, NDArray> decode(ByteBuffer buffer, NDManager manager, String source) throws IOException {
        if (buffer.remaining() < 8) {
            throw new IOException(source + ": too short to be a safetensors file");
        }
        long headerLength = buffer.getLong(0);
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > buffer.capacity()) {
            throw new IOException(source + ": invalid safetensors header length " + headerLength);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        buffer.get(8, headerBytes);
        JsonNode header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        int dataStart = (int) (8 + headerLength);

        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode spec = entry.getValue();
            DataType dtype = dataType(spec.get("dtype").asText(), source);
            long[] dims = new long[spec.get("shape").size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = spec.get("shape").get(i).asLong();
            }
            Shape shape = new Shape(dims);
            long begin = spec.get("data_offsets").get(0).asLong();
            long end = spec.get("data_offsets").get(1).asLong();
            long expected = shape.size() * dtype.getNumOfBytes();
            if (end - begin != expected || dataStart + end > buffer.capacity()) {
                throw new IOException(source + ": tensor " + entry.getKey() + " has byte range [" + begin + ", " + end
                        + ") but shape " + shape + " of " + dtype + " needs " + expected + " bytes");
            }
            ByteBuffer data = ByteBuffer.allocateDirect((int) expected).order(ByteOrder.nativeOrder());
            ByteBuffer slice = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            slice.position((int) (dataStart + begin)).limit((int) (dataStart + end));
            data.put(slice).rewind();
            NDArray array = manager.create(data, shape, dtype);
            array.setName(entry.getKey());
            tensors.put(entry.getKey(), array);
        }
        return tensors;
    }

    /** Writes tensors in the given order, with optional string metadata. */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            write(out, tensors, metadata);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes tensors in the given order to a stream. */
    public static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            NDArray array = entry.getValue();
            long bytes = array.getShape().size() * array.getDataType().getNumOfBytes();
            ObjectNode spec = header.putObject(entry.getKey());
            spec.put("dtype", dtypeName(array.getDataType(), entry.getKey()));
            var shape = spec.putArray("shape");
            for (long d : array.getShape().getShape()) {
                shape.add(d);
            }
            spec.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        out.write(prefix.array());
        for (NDArray array : tensors.values()) {
            ByteBuffer data = array.toByteBuffer();
            if (data.order() != ByteOrder.LITTLE_ENDIAN && array.getDataType().getNumOfBytes() > 1) {
                throw new IOException("big-endian tensor data is not supported");
            }
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            out.write(bytes);
        }
    }

    private static DataType dataType(String name, String source) throws IOException {
        return switch (name) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "F16" -> DataType.FLOAT16;
            case "I64" -> DataType.INT64;
            case "I32" -> DataType.INT32;
            case "I8" -> DataType.INT8;
            case "U8" -> DataType.UINT8;
            case "BOOL" -> DataType.BOOLEAN;
            // bf16 aborts the JVM inside DJL 0.29 (DESIGN.md section 5): refuse it with a message instead.
            default -> throw new IOException(source + ": unsupported safetensors dtype " + name
                    + " (convert the file to F32 first)");
        };
    }

    private static String dtypeName(DataType type, String tensor) throws IOException {
        return switch (type) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case FLOAT16 -> "F16";
            case INT64 -> "I64";
            case INT32 -> "I32";
            case INT8 -> "I8";
            case UINT8 -> "U8";
            case BOOLEAN -> "BOOL";
            default -> throw new IOException("tensor " + tensor + " has unsupported dtype " + type);
        };
    }
}
