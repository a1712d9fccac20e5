package org.beitstream.evaluator;

/** A checkpoint's identity, {@code <run-id>/<step>}: the key of its announcement and of its metrics.eval records. */
record CheckpointKey(String runId, long step) {
    @Override
    public String toString() {
        return runId + "/" + step;
    }
}
