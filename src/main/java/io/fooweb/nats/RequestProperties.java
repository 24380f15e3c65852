package io.fooweb.nats;

/** The exchange properties fooweb's nats producer sets on an InOut request, for the web's request log and headers. */
public final class RequestProperties {

    /** How many times a hedged request was sent, set when it was sent more than once. */
    public static final String ATTEMPTS = "FoowebNatsAttempts";
    /** Set with {@link #ATTEMPTS}: which send (1 the first, 2 the first hedge, ...) answered. */
    public static final String ANSWERED_BY = "FoowebNatsAnsweredBy";
    /** Nanoseconds from the first send until the request ended (answered, failed or timed out). */
    public static final String WAITED_NANOS = "FoowebNatsWaitedNanos";

    private RequestProperties() {
    }
}
