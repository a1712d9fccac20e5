package org.beitstream.runtime.ops;

import java.util.Objects;

/**
 * The state of one part of a service as {@code GET /health} reports it.
 *
 * @param up     whether that part does its job now
 * @param detail what an operator needs to know, in a few words (the state, or why it is down)
 */
public record Health(boolean up, String detail) {
    public Health {
        Objects.requireNonNull(detail, "detail");
    }

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
