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
 * <li>Hedging ({@code hedge=true}, InOut only; {@link HedgeSettings}): a request no reply has answered within the hedge
 * delay is sent once more to the queue group, up to {@code maxAttempts} sends within the timeout and within the
 * budget; the first reply wins and the others are dropped unheld. A send answered "no responders" while another is
 * pending ends nothing; the request fails only when every send failed, and times out when none was answered within
 * {@code requestTimeout}. Safe only for idempotent requests (reading a file is).</li>
 * </ul>
 */
public class NatsRequestProducer extends DefaultAsyncProducer {

    /** Exchange property: how many times a hedged request was sent, set when it was sent more than once. */
    public static final String ATTEMPTS_PROPERTY = "FoowebNatsAttempts";
    /** Exchange property, set with {@link #ATTEMPTS_PROPERTY}: which send (1 the first, 2 the first hedge, ...) answered. */
    public static final String ANSWERED_BY_PROPERTY = "FoowebNatsAnsweredBy";

    private final NatsEndpoint endpoint;
    private final NatsConnector nats;
    private final HeldReplies heldReplies;
    private final HedgePolicy hedging;

    /** @param hedging the endpoint's hedging, or null: each request is sent once */
    NatsRequestProducer(NatsEndpoint endpoint, NatsConnector nats, HeldReplies heldReplies, HedgePolicy hedging) {
        super(endpoint);
        this.endpoint = endpoint;
        this.nats = nats;
        this.heldReplies = heldReplies;
        this.hedging = hedging;
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
            new Request(exchange, callback, hedging).start(connection, message);
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

    /**
     * One request in flight; every way it ends runs {@link #finish} once, on the request's event loop if it has one
     * (without one, under the request's lock). With hedging, one timer serves both purposes: it fires at the hedge
     * delay, sends the same message once more (a new jnats request, so a reply inbox of its own) and is re-armed for
     * the next hedge or for what remains of the timeout.
     */
    private final class Request {

        private final Exchange exchange;
        private final AsyncCallback callback;
        private final Context eventLoop = Vertx.currentContext();
        private final long timeoutMillis = endpoint.getConfiguration().getRequestTimeout();
        private final long startedNanos = System.nanoTime();
        private final long deadlineNanos = startedNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        private final HedgePolicy hedging;
        private final int maxAttempts;
        @SuppressWarnings("unchecked")
        private final CompletableFuture<Message>[] sends;
        private final long[] sentNanos;
        private Connection connection;
        private NatsMessage message;
        private int attempts;
        private int failedSends;
        private boolean hedgesDenied;
        private long timer = -1;
        // read on jnats' reader thread too, so that a reply that lost the race is dropped before it is held
        private volatile boolean finished;
        private Runnable disconnectWatch;

        @SuppressWarnings("unchecked")
        Request(Exchange exchange, AsyncCallback callback, HedgePolicy hedging) {
            this.exchange = exchange;
            this.callback = callback;
            this.hedging = hedging;
            this.maxAttempts = hedging == null ? 1 : hedging.settings().maxAttempts();
            this.sends = new CompletableFuture[maxAttempts];
            this.sentNanos = new long[maxAttempts];
        }

        void start(Connection connection, NatsMessage message) {
            this.connection = connection;
            this.message = message;
            if (eventLoop == null) {
                synchronized (this) {
                    begin();
                }
            } else {
                begin();
            }
        }

        private void begin() {
            long hedgeDelay = hedging == null ? Long.MAX_VALUE : hedging.requestSent(startedNanos);
            // watched before the send: off an event loop a reply may complete the request within send()
            disconnectWatch = nats.whileConnected(this::connectionLost);
            try {
                send(startedNanos);
            } catch (RuntimeException e) {
                disconnectWatch.run();
                throw e;
            }
            if (!finished) {
                armTimer(startedNanos, hedgeDelay);
            }
        }

        private void send(long nowNanos) {
            int attempt = attempts++;
            sentNanos[attempt] = nowNanos;
            // jnats keeps the request in its table at least as long as we wait; its cleanup removes it afterwards
            CompletableFuture<Message> reply = connection.requestWithTimeout(message, Duration.ofMillis(timeoutMillis * 2));
            sends[attempt] = reply;
            reply.whenComplete((answer, failure) -> arrived(attempt, answer, failure));
        }

        /** The timer fires at the next hedge, if there is one before the deadline, else at the deadline. */
        private void armTimer(long nowNanos, long hedgeDelayNanos) {
            boolean hedgeNext = attempts < maxAttempts && !hedgesDenied && hedgeDelayNanos < deadlineNanos - nowNanos;
            long delayNanos = hedgeNext ? hedgeDelayNanos : deadlineNanos - nowNanos;
            Runnable step = hedgeNext ? this::hedgeDue : () -> finish(null, timedOut());
            long delayMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos));
            if (eventLoop != null) {
                timer = eventLoop.owner().setTimer(delayMillis, id -> step.run());
            } else {
                CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(() -> onEventLoop(step));
            }
        }

        /** No reply within the hedge delay: ask the queue group once more, if the budget allows. */
        private void hedgeDue() {
            if (finished) {
                return;
            }
            long now = System.nanoTime();
            if (!hedging.tryHedge(now)) {
                // no more hedges for this request: it waits for what it sent
                hedgesDenied = true;
                armTimer(now, Long.MAX_VALUE);
                return;
            }
            try {
                send(now);
            } catch (RuntimeException e) {
                // the connection went away meanwhile: the disconnect watch ends the request
                attempts--;
            }
            exchange.setProperty(ATTEMPTS_PROPERTY, attempts);
            armTimer(now, hedging.delayNanos());
        }

        /** The connection dropped: the reply can no longer arrive. */
        private void connectionLost() {
            onEventLoop(() -> finish(null, new IllegalStateException("The NATS connection was lost with the request in flight")));
        }

        /** On jnats' reader thread (or the JDK's timer): a refused reply is dropped here, before any hand-off. */
        private void arrived(int attempt, Message reply, Throwable failure) {
            if (finished) {
                return;
            }
            if (failure == null && !heldReplies.tryHold(reply.getData().length)) {
                onEventLoop(() -> finish(null, new FoowebException(503, "busy", "The web is holding too many large answers; try again shortly")));
            } else {
                onEventLoop(() -> settle(attempt, reply, failure));
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

        /** One send's outcome. A send that failed while another is pending (no responders to a hedge) ends nothing. */
        private void settle(int attempt, Message reply, Throwable failure) {
            if (finished) {
                if (failure == null) {
                    heldReplies.release(reply.getData().length);
                }
                return;
            }
            if (failure == null) {
                if (hedging != null) {
                    long now = System.nanoTime();
                    hedging.answered(now - sentNanos[attempt], now);
                    if (attempts > 1) {
                        (attempt > 0 ? hedging.counts().won : hedging.counts().lost).increment();
                        exchange.setProperty(ANSWERED_BY_PROPERTY, attempt + 1);
                    }
                }
                finish(reply, null);
            } else if (++failedSends >= attempts) {
                finish(null, failure);
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
            if (attempts > 1) {
                exchange.setProperty(ATTEMPTS_PROPERTY, attempts);
                // the sends still pending: their replies, if any come, are dropped on arrival
                for (int i = 0; i < attempts; i++) {
                    sends[i].cancel(false);
                }
            }
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
