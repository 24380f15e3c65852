package io.fooweb.nats.hedge;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One hedged endpoint's state: the recent reply latency its hedge delay follows, and the budget that caps how many of
 * its requests are hedged. Thread-safe; per request it costs a budget increment and, for an answered send, a histogram
 * increment; the delay is recomputed every {@value #RECOMPUTE_EVERY} answers and read from a volatile otherwise.
 */
public final class HedgePolicy {

    static final long LATENCY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long BUDGET_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int RECOMPUTE_EVERY = 32;
    // fewer answers than this in the latency windows say nothing about a p99: wait max-delay
    private static final int MIN_SAMPLES = 20;

    private final HedgeSettings settings;
    private final HedgeCounts counts;
    private final RollingLatency latency;
    private final AtomicReference<BudgetWindow> budget;
    private final AtomicLong answers = new AtomicLong();
    private volatile long delayNanos;

    /** Requests and hedges of one budget window, with the previous window's totals for the sliding estimate. */
    private static final class BudgetWindow {
        final long startNanos;
        final LongAdder requests = new LongAdder();
        final AtomicLong hedges = new AtomicLong();
        final long previousRequests;
        final long previousHedges;

        BudgetWindow(long startNanos, long previousRequests, long previousHedges) {
            this.startNanos = startNanos;
            this.previousRequests = previousRequests;
            this.previousHedges = previousHedges;
        }
    }

    public HedgePolicy(HedgeSettings settings, HedgeCounts counts, long nowNanos) {
        this.settings = settings;
        this.counts = counts;
        this.latency = new RollingLatency(LATENCY_WINDOW_NANOS, nowNanos);
        this.budget = new AtomicReference<>(new BudgetWindow(nowNanos, 0, 0));
        this.delayNanos = settings.maxDelay().toNanos();
    }

    public HedgeSettings settings() {
        return settings;
    }

    HedgeCounts counts() {
        return counts;
    }

    /** A request is sent: it counts towards the budget. Returns the delay after which to hedge it, in nanoseconds. */
    long requestSent(long nowNanos) {
        budgetWindow(nowNanos).requests.increment();
        return delayNanos;
    }

    /** May this request be hedged now? Counts the hedge as sent if so, as denied if not. */
    boolean tryHedge(long nowNanos) {
        BudgetWindow window = budgetWindow(nowNanos);
        // the sliding window: the previous window's share that still lies within the last BUDGET_WINDOW_NANOS
        double previousWeight = 1.0 - (double) (nowNanos - window.startNanos) / BUDGET_WINDOW_NANOS;
        double requests = window.requests.sum() + window.previousRequests * previousWeight;
        double hedges = window.hedges.get() + window.previousHedges * previousWeight;
        if (hedges >= Math.max(settings.budgetMin(), requests * settings.budgetPercent() / 100.0)) {
            counts.denied.increment();
            return false;
        }
        window.hedges.incrementAndGet();
        counts.sent.increment();
        return true;
    }

    /** A send was answered {@code latencyNanos} after it went out. */
    void answered(long latencyNanos, long nowNanos) {
        latency.record(latencyNanos, nowNanos);
        if (answers.incrementAndGet() % RECOMPUTE_EVERY == 0) {
            recomputeDelay(nowNanos);
        }
    }

    /** The current hedge delay, in nanoseconds. */
    long delayNanos() {
        return delayNanos;
    }

    void recomputeDelay(long nowNanos) {
        long min = settings.minDelay().toNanos();
        long max = settings.maxDelay().toNanos();
        if (latency.samples(nowNanos) < MIN_SAMPLES) {
            delayNanos = max;
            return;
        }
        long p99 = latency.quantileNanos(0.99, nowNanos);
        delayNanos = Math.max(min, Math.min(max, (long) (p99 * settings.p99Multiple())));
    }

    private BudgetWindow budgetWindow(long nowNanos) {
        BudgetWindow now = budget.get();
        if (nowNanos - now.startNanos < BUDGET_WINDOW_NANOS) {
            return now;
        }
        boolean adjacent = nowNanos - now.startNanos < 2 * BUDGET_WINDOW_NANOS;
        BudgetWindow next = new BudgetWindow(nowNanos, adjacent ? now.requests.sum() : 0, adjacent ? now.hedges.get() : 0);
        return budget.compareAndSet(now, next) ? next : budget.get();
    }
}
