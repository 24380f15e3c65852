package io.fooweb.nats.hedge;


import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hedge delay follows the recent p99 between its floor and ceiling; the budget caps hedges over a sliding window. */
class HedgePolicyTest {

    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    final HedgeSettings settings = new HedgeSettings(Duration.ofMillis(50), Duration.ofMillis(500), 2, 3, 5, 10);

    @Test
    void theDelayIsTheCeilingUntilThereAreRepliesToGoBy() {
        HedgePolicy policy = new HedgePolicy(settings, new HedgeCounts(), 0);
        assertEquals(500 * MS, policy.requestSent(0));
        for (int i = 0; i < 10; i++) {
            policy.answered(MS, i);
        }
        policy.recomputeDelay(10);
        assertEquals(500 * MS, policy.delayNanos());
    }

    @Test
    void theDelayIsTwiceTheP99WithinFloorAndCeiling() {
        HedgePolicy policy = new HedgePolicy(settings, new HedgeCounts(), 0);
        // 1000 replies: 990 at 3 ms, 10 at 100 ms. The p99 is 3 ms (its bucket's upper bound), twice that is under the floor
        for (int i = 0; i < 990; i++) {
            policy.answered(3 * MS, i);
        }
        for (int i = 0; i < 10; i++) {
            policy.answered(100 * MS, i);
        }
        policy.recomputeDelay(1000);
        assertEquals(50 * MS, policy.delayNanos());

        // a slower system: p99 ~ 120 ms, so ~240 ms
        for (int i = 0; i < 1000; i++) {
            policy.answered(120 * MS, i);
        }
        policy.recomputeDelay(2000);
        long delay = policy.delayNanos();
        assertTrue(delay >= 240 * MS && delay <= 290 * MS, delay / MS + " ms");

        // very slow: capped at the ceiling
        for (int i = 0; i < 5000; i++) {
            policy.answered(900 * MS, i);
        }
        policy.recomputeDelay(3000);
        assertEquals(500 * MS, policy.delayNanos());
    }

    @Test
    void oldLatencyIsForgotten() {
        HedgePolicy policy = new HedgePolicy(settings, new HedgeCounts(), 0);
        for (int i = 0; i < 1000; i++) {
            policy.answered(200 * MS, 0);
        }
        // two latency windows later, only the new, fast replies count
        long later = 2 * HedgePolicy.LATENCY_WINDOW_NANOS + 1;
        for (int i = 0; i < 1000; i++) {
            policy.answered(2 * MS, later);
        }
        policy.recomputeDelay(later);
        assertEquals(50 * MS, policy.delayNanos());
    }

    @Test
    void hedgesStayWithinTheBudgetOverTheSlidingWindow() {
        HedgeCounts counts = new HedgeCounts();
        HedgePolicy policy = new HedgePolicy(settings, counts, 0);
        for (int i = 0; i < 1000; i++) {
            policy.requestSent(i);
        }
        int allowed = 0;
        for (int i = 0; i < 200; i++) {
            allowed += policy.tryHedge(1000) ? 1 : 0;
        }
        // 5 % of 1000
        assertEquals(50, allowed);
        assertEquals(150, counts.denied());

        // half a window into the next one, half the previous window's requests and hedges still count
        long halfway = HedgePolicy.BUDGET_WINDOW_NANOS + HedgePolicy.BUDGET_WINDOW_NANOS / 2;
        for (int i = 0; i < 500; i++) {
            policy.requestSent(halfway);
        }
        // (500 + 500) x 5 % = 50, of which 25 are the previous window's
        allowed = 0;
        for (int i = 0; i < 100; i++) {
            allowed += policy.tryHedge(halfway) ? 1 : 0;
        }
        assertEquals(25, allowed);
    }

    @Test
    void aQuietSystemMayHedgeUpToTheMinimum() {
        HedgePolicy policy = new HedgePolicy(settings, new HedgeCounts(), 0);
        policy.requestSent(0);
        for (int i = 0; i < 10; i++) {
            assertTrue(policy.tryHedge(1));
        }
        assertFalse(policy.tryHedge(1));
    }

    @Test
    void bucketsBoundTheirSamples() {
        for (long micros : new long[] { 0, 1, 2, 3, 5, 7, 100, 999, 1000, 3000, 123_456, 2_000_000 }) {
            int bucket = RollingLatency.bucket(micros);
            assertTrue(RollingLatency.upperBoundMicros(bucket) > micros, micros + " in " + bucket);
            assertTrue(bucket == 0 || RollingLatency.upperBoundMicros(bucket - 1) <= micros, micros + " in " + bucket);
            // at most ~25 % above the sample
            assertTrue(micros < 8 || RollingLatency.upperBoundMicros(bucket) <= micros * 1.26, micros + " in " + bucket);
        }
    }
}
