package io.fooweb.nats.hedge;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cheap estimate of a recent latency percentile: a histogram of log-spaced buckets (four per doubling, so a bucket
 * spans at most ~19%), kept for the current and the previous window. Recording is one atomic increment of a bucket
 * and of the window's total (and, once per window, a CAS that starts the next one); the percentile is computed only
 * when asked, and {@link HedgePolicy} asks once every few dozen samples and caches the answer.
 * <p>
 * No HdrHistogram: its recorder costs more and its precision is not needed to pick a hedge delay.
 */
final class RollingLatency {

    private static final int SUB_BUCKETS = 4;
    // 2^23 us ~ 8.4 s: every sample above the largest bucket counts in it
    private static final int BUCKETS = 24 * SUB_BUCKETS;

    private final long windowNanos;
    private final AtomicReference<Window> current;
    private volatile Window previous;

    private static final class Window {
        final long startNanos;
        final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
        final AtomicLong total = new AtomicLong();

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    RollingLatency(long windowNanos, long nowNanos) {
        this.windowNanos = windowNanos;
        this.current = new AtomicReference<>(new Window(nowNanos));
        this.previous = new Window(nowNanos);
    }

    void record(long latencyNanos, long nowNanos) {
        Window window = window(nowNanos);
        window.counts.incrementAndGet(bucket(latencyNanos / 1000));
        window.total.incrementAndGet();
    }

    /** Samples in the current and the previous window. */
    long samples(long nowNanos) {
        Window now = window(nowNanos);
        return now.total.get() + previous.total.get();
    }

    /**
     * The {@code quantile} (0..1) of the samples of the current and the previous window, as the upper bound of its
     * bucket, in nanoseconds; -1 when there are none.
     */
    long quantileNanos(double quantile, long nowNanos) {
        Window now = window(nowNanos);
        Window before = previous;
        long[] counts = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = now.counts.get(i) + before.counts.get(i);
            total += counts[i];
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBoundMicros(i) * 1000;
            }
        }
        return upperBoundMicros(BUCKETS - 1) * 1000;
    }

    private Window window(long nowNanos) {
        Window now = current.get();
        if (nowNanos - now.startNanos < windowNanos) {
            return now;
        }
        Window next = new Window(nowNanos);
        if (current.compareAndSet(now, next)) {
            // a window left empty for longer than a window is no history
            previous = nowNanos - now.startNanos < 2 * windowNanos ? now : next;
            return next;
        }
        return current.get();
    }

    /** Buckets: [0,1) us is 0; then four per power of two of microseconds. */
    static int bucket(long micros) {
        if (micros < 1) {
            return 0;
        }
        int octave = 63 - Long.numberOfLeadingZeros(micros);
        int sub = octave >= 2 ? (int) ((micros >>> (octave - 2)) & 3) : (int) ((micros << (2 - octave)) & 3);
        int index = 1 + octave * SUB_BUCKETS + sub;
        return Math.min(index, BUCKETS - 1);
    }

    /** The smallest latency in microseconds above every sample of bucket {@code index}. */
    static long upperBoundMicros(int index) {
        if (index == 0) {
            return 1;
        }
        int octave = (index - 1) / SUB_BUCKETS;
        int sub = (index - 1) % SUB_BUCKETS;
        // bucket covers [2^o * (4+sub)/4, 2^o * (5+sub)/4)
        return ((1L << octave) * (SUB_BUCKETS + sub + 1) + SUB_BUCKETS - 1) / SUB_BUCKETS;
    }
}
