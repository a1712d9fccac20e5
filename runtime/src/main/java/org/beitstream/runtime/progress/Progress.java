package org.beitstream.runtime.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress line for long work, on stderr: count, percentage and ETA when the total is known, and the
 * rate. Redrawn in place on a terminal, printed every few seconds otherwise (logs, CI).
 */
public final class Progress implements AutoCloseable {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    /** The start: work that ends within one redraw interval shows only its final line. */
    private volatile long lastDrawNanos = startNanos;

    /** {@code total} 0 or less when unknown. */
    public Progress(String label, long total) {
        this(label, total, System.err, System.console() != null);
    }

    Progress(String label, long total, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
    }

    public void step(long count) {
        long now = System.nanoTime();
        done.addAndGet(count);
        long interval = terminal ? 200_000_000L : 5_000_000_000L;
        if (now - lastDrawNanos >= interval) {
            lastDrawNanos = now;
            draw(false);
        }
    }

    public long done() {
        return done.get();
    }

    public double ratePerSecond() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return seconds <= 0 ? 0 : done.get() / seconds;
    }

    private synchronized void draw(boolean last) {
        long n = done.get();
        double rate = ratePerSecond();
        StringBuilder line = new StringBuilder(label).append("  ").append(n);
        if (total > 0) {
            line.append('/').append(total).append(String.format(Locale.ROOT, "  %5.1f%%", 100.0 * n / total));
        }
        line.append(String.format(Locale.ROOT, "  %.0f/s", rate));
        if (total > 0 && rate > 0 && !last) {
            line.append(String.format(Locale.ROOT, "  ETA %.0fs", Math.max(0, total - n) / rate));
        }
        if (terminal) {
            out.print("\r" + line + "   " + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void close() {
        draw(true);
    }
}
