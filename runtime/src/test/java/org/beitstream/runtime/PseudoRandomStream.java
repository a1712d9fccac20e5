package org.beitstream.runtime;

import java.io.InputStream;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A deterministic stream of pseudo-random bytes that is never held in memory, optionally pausing midway. */
final class PseudoRandomStream extends InputStream {
    /** After {@code atByte} bytes: signal {@code reached}, then wait for {@code resume}. */
    record Pause(long atByte, CountDownLatch reached, CountDownLatch resume) {}

    private final long length;
    private final SplittableRandom random;
    private final Pause pause;
    private long position;

    PseudoRandomStream(long length, long seed, Pause pause) {
        this.length = length;
        this.random = new SplittableRandom(seed);
        this.pause = pause;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) {
        if (position >= length) {
            return -1;
        }
        if (pause != null && position >= pause.atByte() && pause.reached().getCount() > 0) {
            pause.reached().countDown();
            try {
                pause.resume().await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int n = (int) Math.min(count, length - position);
        if (pause != null && position < pause.atByte()) {
            n = (int) Math.min(n, pause.atByte() - position);
        }
        for (int i = 0; i < n; i++) {
            buffer[offset + i] = (byte) random.nextInt(256);
        }
        position += n;
        return n;
    }
}
