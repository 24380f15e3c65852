package io.fooweb.nats.hedge;

/**
 * The hedging of one request: when the next send is due, whether the budget allows it, and what the outcome of each
 * send means. The producer does the sending and the waiting; this decides. Without a policy the request is sent once.
 * Not thread-safe: the producer calls it from one thread at a time (the request's event loop, or under its lock).
 */
public final class HedgedRequest {

    /** What the producer does when its timer fires. */
    public enum Due { SEND_AGAIN, WAIT_FOR_DEADLINE, TIME_OUT }

    private final HedgePolicy policy;
    private final int maxAttempts;
    private final long deadlineNanos;
    private final long[] sentNanos;
    private int attempts;
    private int failures;
    private boolean denied;
    private boolean hedgeArmed;
    private int answeredBy;

    /** @param policy the endpoint's policy, or null: one send only */
    public HedgedRequest(HedgePolicy policy, long startNanos, long timeoutNanos) {
        this.policy = policy;
        this.maxAttempts = policy == null ? 1 : policy.settings().maxAttempts();
        this.deadlineNanos = startNanos + timeoutNanos;
        this.sentNanos = new long[maxAttempts];
    }

    /** The first send goes out: it counts towards the budget. Returns the nanoseconds until the timer is due. */
    public long firstSent(long nowNanos) {
        long hedgeDelay = policy == null ? Long.MAX_VALUE : policy.requestSent(nowNanos);
        sent(nowNanos);
        return untilDue(nowNanos, hedgeDelay);
    }

    /**
     * The timer fired: at the deadline the request times out; at a hedge, it is sent again if the budget allows
     * (counted as a hedge), else it waits for what it sent until the deadline.
     */
    public Due due(long nowNanos) {
        if (!hedgeArmed) {
            return Due.TIME_OUT;
        }
        hedgeArmed = false;
        if (attempts >= maxAttempts) {
            // a resend took the last place meanwhile
            return Due.WAIT_FOR_DEADLINE;
        }
        if (!policy.tryHedge(nowNanos)) {
            denied = true;
            return Due.WAIT_FOR_DEADLINE;
        }
        return Due.SEND_AGAIN;
    }

    /** A hedge went out. Returns the nanoseconds until the timer is due again. */
    public long hedgeSent(long nowNanos) {
        sent(nowNanos);
        return untilDue(nowNanos, policy.delayNanos());
    }

    /**
     * One more send went out at once, not at a hedge and outside the budget (the one before found nobody at its
     * backend); the timer stays as it was.
     */
    public void resent(long nowNanos) {
        sent(nowNanos);
    }

    /** The last send counted could not go out after all. */
    public void unsent() {
        attempts--;
    }

    /** Nanoseconds since send {@code attempt} went out. */
    public long sentNanos(int attempt, long nowNanos) {
        return nowNanos - sentNanos[attempt];
    }

    /** Nanoseconds from now until the deadline, for a request that sends no more (denied, or a hedge that failed to go out). */
    public long untilDeadline(long nowNanos) {
        denied = true;
        hedgeArmed = false;
        return deadlineNanos - nowNanos;
    }

    /** Send {@code attempt} (0 the first) was answered: it wins the request. */
    public void answered(int attempt, long nowNanos) {
        if (policy == null) {
            return;
        }
        policy.answered(nowNanos - sentNanos[attempt], nowNanos);
        if (attempts > 1) {
            (attempt > 0 ? policy.counts().won : policy.counts().lost).increment();
            answeredBy = attempt + 1;
        }
    }

    /** Send {@code attempt} failed (no responders to it): does the whole request fail, every send having failed? */
    public boolean failed(int attempt) {
        return ++failures >= attempts;
    }

    /** Sends so far, the first included. */
    public int attempts() {
        return attempts;
    }

    /** Which send (1 the first, 2 the first hedge, ...) answered a hedged request; 0 when none did or it was sent once. */
    public int answeredBy() {
        return answeredBy;
    }

    private void sent(long nowNanos) {
        sentNanos[attempts++] = nowNanos;
    }

    /** The next timer: the next hedge if one is allowed before the deadline, else the deadline. */
    private long untilDue(long nowNanos, long hedgeDelayNanos) {
        hedgeArmed = attempts < maxAttempts && !denied && hedgeDelayNanos < deadlineNanos - nowNanos;
        return hedgeArmed ? hedgeDelayNanos : deadlineNanos - nowNanos;
    }
}
