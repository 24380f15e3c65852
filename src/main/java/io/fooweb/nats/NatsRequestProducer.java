package io.fooweb.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fooweb.wire.FoowebException;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultAsyncProducer;
import org.apache.camel.support.SynchronizationAdapter;

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
 * JetStreamStatusException when nobody serves the subject, IllegalStateException while not connected and when the
 * connection drops with the request in flight (its reply can no longer arrive), and {@link FoowebException} 503
 * {@code busy} for a reply that would take the process over its limit of held reply bytes ({@link HeldReplies}).</li>
 * </ul>
 */
public class NatsRequestProducer extends DefaultAsyncProducer {

    private final NatsEndpoint endpoint;
    private final NatsConnector nats;
    private final HeldReplies heldReplies;

    NatsRequestProducer(NatsEndpoint endpoint, NatsConnector nats, HeldReplies heldReplies) {
        super(endpoint);
        this.endpoint = endpoint;
        this.nats = nats;
        this.heldReplies = heldReplies;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        try {
            Connection connection = nats.connection();
            NatsMessage message = NatsMessage.builder().subject(endpoint.getConfiguration().getTopic())
                    .headers(outgoingHeaders(exchange)).data(payload(exchange)).build();
            if (!exchange.getPattern().isOutCapable()) {
                connection.publish(message);
                callback.done(true);
                return true;
            }
            new Request(exchange, callback).send(connection, message);
            return false;
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
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

    /** One request in flight; every way it ends runs {@link #finish} once, on the request's event loop if it has one. */
    private final class Request implements Runnable {

        private final Exchange exchange;
        private final AsyncCallback callback;
        private final Context eventLoop = Vertx.currentContext();
        private final long timeoutMillis = endpoint.getConfiguration().getRequestTimeout();
        private long timer = -1;
        private boolean finished;
        private Runnable disconnectWatch;

        Request(Exchange exchange, AsyncCallback callback) {
            this.exchange = exchange;
            this.callback = callback;
        }

        void send(Connection connection, NatsMessage message) {
            // jnats keeps the request in its table at least as long as we wait; its cleanup removes it afterwards
            CompletableFuture<Message> reply = connection.requestWithTimeout(message, Duration.ofMillis(timeoutMillis * 2));
            disconnectWatch = nats.whileConnected(this);
            if (eventLoop != null) {
                timer = eventLoop.owner().setTimer(timeoutMillis, id -> finish(null, timedOut()));
            } else {
                reply = reply.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
            }
            reply.whenComplete(this::arrived);
        }

        /** The connection dropped: the reply can no longer arrive. */
        @Override
        public void run() {
            onEventLoop(() -> finish(null, new IllegalStateException("The NATS connection was lost with the request in flight")));
        }

        /** On jnats' reader thread (or the JDK's timer): a refused reply is dropped here, before any hand-off. */
        private void arrived(Message reply, Throwable failure) {
            if (failure == null && !heldReplies.tryHold(reply.getData().length)) {
                onEventLoop(() -> finish(null, new FoowebException(503, "busy", "The web is holding too many large answers; try again shortly")));
            } else {
                onEventLoop(() -> finish(reply, failure));
            }
        }

        private void onEventLoop(Runnable step) {
            if (eventLoop == null) {
                synchronized (this) {
                    step.run();
                }
            } else {
                eventLoop.runOnContext(ignored -> step.run());
            }
        }

        private void finish(Message reply, Throwable failure) {
            if (finished) {
                if (failure == null && reply != null) {
                    heldReplies.release(reply.getData().length);
                }
                return;
            }
            finished = true;
            if (timer >= 0) {
                eventLoop.owner().cancelTimer(timer);
            }
            disconnectWatch.run();
            if (failure == null) {
                answer(reply);
            } else if (failure instanceof TimeoutException || failure instanceof CancellationException) {
                exchange.setException(timedOut());
            } else {
                exchange.setException(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
            }
            callback.done(false);
        }

        private void answer(Message reply) {
            long bytes = reply.getData().length;
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    heldReplies.release(bytes);
                }
            });
            org.apache.camel.Message message = exchange.getMessage();
            message.getHeaders().clear();
            HeaderFilterStrategy filter = endpoint.getConfiguration().getHeaderFilterStrategy();
            if (reply.hasHeaders()) {
                reply.getHeaders().forEach((name, values) -> {
                    if (!values.isEmpty() && (filter == null || !filter.applyFilterToExternalHeaders(name, values.get(0), exchange))) {
                        message.setHeader(name, values.get(0));
                    }
                });
            }
            message.setBody(reply.getData());
        }

        private TimeoutException timedOut() {
            return new TimeoutException("No reply on " + endpoint.getConfiguration().getTopic() + " within " + timeoutMillis + " ms");
        }
    }
}
