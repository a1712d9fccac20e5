package org.beitstream.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Just enough of multipart/form-data to take the first part's content out of a request body. */
final class Multipart {
    private Multipart() {}

    static byte[] firstPart(byte[] body, String contentType) {
        String boundary = null;
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.startsWith("boundary=")) {
                boundary = p.substring("boundary=".length()).replace("\"", "");
            }
        }
        if (boundary == null) {
            return null;
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int start = indexOf(body, delimiter, 0);
        if (start < 0) {
            return null;
        }
        int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
        if (headersEnd < 0) {
            return null;
        }
        int contentStart = headersEnd + 4;
        byte[] closing = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int contentEnd = indexOf(body, closing, contentStart);
        return contentEnd < 0 ? null : Arrays.copyOfRange(body, contentStart, contentEnd);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
