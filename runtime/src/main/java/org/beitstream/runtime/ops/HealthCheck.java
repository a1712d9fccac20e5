package org.beitstream.runtime.ops;

/** Tells whether one part of a service works; called on every {@code GET /health}, so it must be quick. */
@FunctionalInterface
public interface HealthCheck {
    Health check();
}
