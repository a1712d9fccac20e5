package org.beitstream.model.conformance;

/**
 * The outcome of comparing one computed tensor (or value) with the reference.
 *
 * @param group       the report group, for example {@code pt_relpos.gradients}
 * @param name        the tensor or quantity checked
 * @param maxAbsError largest absolute difference
 * @param maxRelError largest absolute difference divided by the reference tensor's max magnitude
 * @param tolerance   the bound {@code maxRelError} must stay within (0 for exact checks)
 * @param passed      whether the check passed
 */
public record CheckResult(String group, String name, double maxAbsError, double maxRelError, double tolerance,
                          boolean passed) {

    /** An exact check (token ids, masks, counts): passes only with no difference at all. */
    public static CheckResult exact(String group, String name, long mismatches) {
        return new CheckResult(group, name, mismatches, mismatches, 0, mismatches == 0);
    }
}
