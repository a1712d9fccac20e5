package org.beitstream.runtime.images;

/** An image that cannot be used, with a stable category for dashboards and a reason for people. */
public class InvalidImageException extends Exception {
    /** Stable categories, carried as {@code DeadLetter.errorType}. */
    public enum Kind { EMPTY, TOO_LARGE, TOO_MANY_PIXELS, UNSUPPORTED_FORMAT, BAD_DIMENSIONS, UNDECODABLE, BAD_SCHEMA }

    private final Kind kind;

    public InvalidImageException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    public InvalidImageException(Kind kind, String reason, Throwable cause) {
        super(reason, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
