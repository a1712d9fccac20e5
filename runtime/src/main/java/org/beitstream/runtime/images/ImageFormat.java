package org.beitstream.runtime.images;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The encodings an image record may carry, by their wire name in {@code ImageRecord.format}. */
public enum ImageFormat {
    PNG("png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}),
    JPEG("jpeg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
    GIF("gif", new byte[] {'G', 'I', 'F', '8'}),
    BMP("bmp", new byte[] {'B', 'M'}),
    /** Row-major 8-bit grey pixels; width and height come from the record. */
    RAW_GRAY8("raw-gray8", null),
    /** Row-major interleaved 8-bit RGB pixels; width and height come from the record. */
    RAW_RGB8("raw-rgb8", null);

    private final String wireName;
    private final byte[] magic;

    ImageFormat(String wireName, byte[] magic) {
        this.wireName = wireName;
        this.magic = magic;
    }

    public String wireName() {
        return wireName;
    }

    public boolean raw() {
        return magic == null;
    }

    public static Optional<ImageFormat> fromWireName(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (n.equals("jpg")) {
            return Optional.of(JPEG);
        }
        return Arrays.stream(values()).filter(f -> f.wireName.equals(n)).findFirst();
    }

    /** The encoded format whose signature starts {@code data}, if any. */
    public static Optional<ImageFormat> sniff(byte[] data) {
        for (ImageFormat format : values()) {
            if (format.magic != null && data.length >= format.magic.length
                    && Arrays.equals(data, 0, format.magic.length, format.magic, 0, format.magic.length)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }
}
