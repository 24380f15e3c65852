package io.fooweb.patch.camelnats;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.NatsUnavailableException;
import io.fooweb.nats.hedge.HedgePolicy;
import io.fooweb.nats.hedge.HedgedRequest;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * The producer of every {@code nats:} endpoint: InOnly publishes, InOut sends a request and continues the route with
 * the reply's payload as the body, over the process's shared connection; no thread waits for the reply.
 * <ul>
 * <li>On a Vert.x event loop (the web's routes) the route goes on, on that event loop, and the timeout is a timer on
 * it, cancelled when the reply comes. Elsewhere the route goes on on the thread that completes the request.</li>
 * <li>The payload is the body's bytes; a String is sent as UTF-8 whatever charset the exchange declares.</li>
 * <li>Only headers the endpoint's header filter lets out travel as NATS headers; the reply's headers that it lets in
 * replace the message's headers.</li>
 * <li>Failures: {@link TimeoutException} when no reply came within {@code requestTimeout}, jnats'
 * JetStreamStatusException when nobody serves the subject, {@link NatsUnavailableException} while not connected and when
 * the connection drops with the request in flight (its reply can no longer arrive), and {@link HeldReplies#refusal()}
 * for a reply that would take the process over its limit of held reply bytes.</li>
 * <li>Hedging ({@code hedge=true}, InOut only; {@link HedgedRequest}): a request no reply has answered within the hedge
 * delay is sent again, the first reply wins and the others are dropped unheld. Safe only for idempotent requests
 * (reading a file is).</li>
 * </ul>
 */
public class NatsRequestProducer extends DefaultAsyncProducer {

    final NatsEndpoint endpoint;
    final NatsConnector nats;
    final HeldReplies heldReplies;
    final Balancer balancer;
    final SendTracer tracer;
    private final HedgePolicy hedging;

    /**
     * @param hedging  the endpoint's hedge policy, or null: each request is sent once
     * @param balancer where each send goes, or null: to the endpoint's subject
     * @param tracer   what each send's span is, or null: none
     */
    NatsRequestProducer(NatsEndpoint endpoint, NatsConnector nats, HeldReplies heldReplies, HedgePolicy hedging, Balancer balancer,
            SendTracer tracer) {
        super(endpoint);
        this.endpoint = endpoint;
        this.nats = nats;
        this.heldReplies = heldReplies;
        this.hedging = hedging;
        this.balancer = balancer;
        this.tracer = tracer;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        try {
            Connection connection = nats.connection();
            NatsMessage message = NatsMessage.builder().subject(endpoint.getConfiguration().getTopic())
                    .headers(outgoingHeaders(exchange)).data(payload(exchange)).build();
            if (!exchange.getPattern().isOutCapable()) {
                try {
                    connection.publish(message);
                } catch (IllegalStateException e) {
                    throw refused(e);
                }
                callback.done(true);
                return true;
            }
            long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(endpoint.getConfiguration().getRequestTimeout());
            HedgedRequest hedge = new HedgedRequest(hedging, System.nanoTime(), timeoutNanos);
            new InFlightRequest(this, exchange, callback, hedge, hedging == null ? 1 : hedging.settings().maxAttempts())
                    .start(connection, message.getHeaders(), message.getData());
            return false;
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }

    /** jnats' refusal to send on a connection that is closed, draining or reconnecting (no reconnect buffer). */
    static NatsUnavailableException refused(IllegalStateException e) {
        return new NatsUnavailableException("The NATS connection cannot send now: " + e.getMessage(), e);
    }

    private static byte[] payload(Exchange exchange) throws Exception {
        Object body = exchange.getMessage().getBody();
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        return exchange.getContext().getTypeConverter().mandatoryConvertTo(byte[].class, exchange, body);
    }

    private Headers outgoingHeaders(Exchange exchange) {
        HeaderFilterStrategy filter = endpoint.getConfiguration().getHeaderFilterStrategy();
        Headers headers = null;
        for (Map.Entry<String, Object> header : exchange.getMessage().getHeaders().entrySet()) {
            Object value = header.getValue();
            if (value != null && (filter == null || !filter.applyFilterToCamelHeaders(header.getKey(), value, exchange))) {
                headers = headers == null ? new Headers() : headers;
                headers.add(header.getKey(), value.toString());
            }
        }
        return headers;
    }
}
