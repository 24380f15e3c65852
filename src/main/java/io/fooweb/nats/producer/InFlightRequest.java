package io.fooweb.nats.producer;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fooweb.wire.FoowebException;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * One request in flight; every way it ends runs {@link #finish} once, on the request's event loop if it has one
 * (without one, under the request's lock). With hedging, one timer serves both purposes: it fires at the hedge
 * delay, sends the same message once more (a new jnats request, so a reply inbox of its own) and is re-armed for
 * the next hedge or for what remains of the timeout.
 */
final class InFlightRequest {

    private final NatsRequestProducer producer;

    private final Exchange exchange;
    private final AsyncCallback callback;
    private final Context eventLoop = Vertx.currentContext();
    private final long timeoutMillis;
    private final long startedNanos = System.nanoTime();
    private final long deadlineNanos;
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
    InFlightRequest(NatsRequestProducer producer, Exchange exchange, AsyncCallback callback, HedgePolicy hedging) {
        this.producer = producer;
        this.timeoutMillis = producer.endpoint.getConfiguration().getRequestTimeout();
        this.deadlineNanos = startedNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
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
        disconnectWatch = producer.nats.whileConnected(this::connectionLost);
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
        exchange.setProperty(NatsRequestProducer.ATTEMPTS_PROPERTY, attempts);
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
        if (failure == null && !producer.heldReplies.tryHold(reply.getData().length)) {
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
                producer.heldReplies.release(reply.getData().length);
            }
            return;
        }
        if (failure == null) {
            if (hedging != null) {
                long now = System.nanoTime();
                hedging.answered(now - sentNanos[attempt], now);
                if (attempts > 1) {
                    (attempt > 0 ? hedging.counts().won : hedging.counts().lost).increment();
                    exchange.setProperty(NatsRequestProducer.ANSWERED_BY_PROPERTY, attempt + 1);
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
                producer.heldReplies.release(reply.getData().length);
            }
            return;
        }
        finished = true;
        if (timer >= 0) {
            eventLoop.owner().cancelTimer(timer);
        }
        disconnectWatch.run();
        if (attempts > 1) {
            exchange.setProperty(NatsRequestProducer.ATTEMPTS_PROPERTY, attempts);
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
                producer.heldReplies.release(bytes);
            }
        });
        org.apache.camel.Message message = exchange.getMessage();
        message.getHeaders().clear();
        HeaderFilterStrategy filter = producer.endpoint.getConfiguration().getHeaderFilterStrategy();
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
        return new TimeoutException("No reply on " + producer.endpoint.getConfiguration().getTopic() + " within " + timeoutMillis + " ms");
    }
}
