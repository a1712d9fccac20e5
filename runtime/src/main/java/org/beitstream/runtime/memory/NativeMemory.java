package org.beitstream.runtime.memory;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.beitstream.runtime.config.SettingException;

import java.util.Locale;

/**
 * Whether freed native memory (PyTorch's CPU tensors) goes back to the operating system at once.
 *
 * <p>PyTorch allocates CPU tensors with the C library's malloc. glibc maps every block above its mmap
 * threshold (32 MiB at most) on its own and unmaps it when freed. A training step of the pretraining model
 * makes several such blocks: the two heads' logits over the vocabulary, their log-probabilities and their
 * gradients, each masked tokens × vocabulary × 4 bytes (50 MB at batch 64 with 8192 tokens). So every step
 * the kernel maps and zero-fills some 400 MB of fresh pages, about 100,000 page faults and a tenth of the
 * step's time on a 2-core CPU. {@link #RETAIN} has malloc serve blocks from its heaps and keep freed memory
 * for the next step; resident memory then stays at the step's peak instead of shrinking between steps.
 * Threads other than the process's first allocate from glibc's per-thread arenas, whose heaps are 64 MiB:
 * a larger block is still mapped on its own, and a heap left entirely free is unmapped; so the gain depends
 * on the workload, and is measured (docs/BENCHMARKS.md), not assumed. The setting {@value #SETTING} chooses: {@code retain} (the
 * default) or {@code system}.
 */
public enum NativeMemory {
    /** Blocks come from malloc's heap and freed memory stays in the process for reuse. */
    RETAIN,
    /** The C library's defaults. */
    SYSTEM;

    public static final String SETTING = "BEIT_STREAM_MALLOC";
    // glibc's <malloc.h>
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;

    /** The policy named by the setting's value; null or empty means the default, {@link #RETAIN}. */
    public static NativeMemory parse(String value) {
        if (value == null || value.isBlank()) {
            return RETAIN;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SettingException(SETTING, "'" + value + "' is neither retain nor system");
        }
    }

    /**
     * Applies this policy to the whole process; call before the first tensor is made.
     *
     * @return whether malloc's behaviour changed: false for {@link #SYSTEM}, and where the C library has no
     *         glibc {@code mallopt} (musl, macOS), which then keeps its own behaviour
     */
    public boolean apply() {
        if (this == SYSTEM) {
            return false;
        }
        Function mallopt;
        try {
            mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
        // mallopt answers 1 on success. No mmapped blocks at all (so no unmapping), and a trim threshold
        // beyond any heap of ours (so freed heap memory is not handed back either).
        return mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1
                & mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1;
    }
}
