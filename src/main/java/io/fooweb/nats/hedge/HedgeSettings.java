package io.fooweb.nats.hedge;

import java.time.Duration;

/**
 * How an InOut {@code nats:} request with {@code hedge=true} asks again when no reply has come: after
 * {@code p99Multiple} times the recent 99th percentile of reply latency, kept between {@code minDelay} and
 * {@code maxDelay}, at most {@code maxAttempts} sends in all (the first included) within the request timeout, and
 * hedges at most {@code budgetPercent} of the requests of the last ~10 s (but always {@code budgetMin} per window, so a
 * quiet system may hedge too). The fooweb.nats.hedge.* settings in application.properties.
 */
public record HedgeSettings(Duration minDelay, Duration maxDelay, double p99Multiple, int maxAttempts, double budgetPercent,
        int budgetMin) {

    /** The defaults of application.properties. */
    public static final HedgeSettings DEFAULTS = new HedgeSettings(Duration.ofMillis(50), Duration.ofMillis(500), 1.0, 3, 5.0, 10);

    public HedgeSettings {
        if (minDelay.isNegative() || maxDelay.compareTo(minDelay) < 0) {
            throw new IllegalArgumentException("fooweb.nats.hedge: need 0 <= min-delay <= max-delay, got " + minDelay + " and " + maxDelay);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("fooweb.nats.hedge.max-attempts must be at least 1 (1: never hedge), got " + maxAttempts);
        }
        if (budgetPercent < 0 || budgetMin < 0 || p99Multiple <= 0) {
            throw new IllegalArgumentException("fooweb.nats.hedge: budget-percent and budget-min must be >= 0, p99-multiple > 0");
        }
    }
}
