package io.fooweb.patch.camelnats;

import org.apache.camel.Exchange;

/**
 * What an InOut {@code to: nats:} endpoint with a {@code tracer} bean tells of each send of a request: the entry point
 * of this package that product code implements (fooweb's traces). Called on the request's thread; must not block.
 */
public interface SendTracer {

    /**
     * Send number {@code attempt} (0 the first, 1 the first hedge, ...) to {@code subject} begins. Returns the send's
     * span (or null when the request is not traced), whose W3C {@code traceparent} {@link #traceparent} gives.
     */
    Object sending(Exchange exchange, int attempt, String subject);

    /** The traceparent the send carries, in place of the exchange's; null: the exchange's own. */
    String traceparent(Object span);

    /** The request ended: whether this send brought its answer, or the failure that ended it (null otherwise). */
    void ended(Object span, boolean answered, Throwable failure);
}
