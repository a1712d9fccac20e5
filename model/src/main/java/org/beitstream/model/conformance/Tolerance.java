package org.beitstream.model.conformance;

/** The tolerances of the conformance contract, relative to the reference tensor's max magnitude. */
public final class Tolerance {
    /** float32 outputs, traces, features and losses. */
    public static final double OUTPUT = 1e-5;
    /** Gradients and optimizer steps. */
    public static final double GRADIENT = 1e-4;

    private Tolerance() {}
}
