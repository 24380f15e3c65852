package io.fooweb.patch.camelnats;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fooweb.nats.NatsUnavailableException;
import io.fooweb.nats.RequestProperties;
import io.fooweb.nats.hedge.HedgedRequest;
import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The plumbing of one InOut request: its sends, one timer, the dropped connection, and the reply put on the exchange.
 * Every way it ends runs {@link #finish} once, on the request's event loop if it has one (without one, under this
 * object's lock). When to send again is {@link HedgedRequest}'s decision; a timer that fires either sends again or
 * ends the request at its deadline.
 */
final class InFlightRequest {

    private final NatsRequestProducer producer;
    private final Exchange exchange;
    private final AsyncCallback callback;
    private final Context eventLoop = Vertx.currentContext();
    private final long timeoutMillis;
    private final long startedNanos = System.nanoTime();
    private final HedgedRequest hedge;
    private final CompletableFuture<?>[] sends;
    private final Balancer.Target[] targets;
    private final Object[] spans;
    private final boolean[] late;
    private Connection connection;
    private Headers headers;
    private byte[] data;
    private int answeredBy = -1;
    private long timer = -1;
    // read on jnats' reader thread too, so that a reply that lost the race is dropped before it is held
    private volatile boolean finished;
    private Runnable disconnectWatch;

    InFlightRequest(NatsRequestProducer producer, Exchange exchange, AsyncCallback callback, HedgedRequest hedge, int maxSends) {
        this.producer = producer;
        this.exchange = exchange;
        this.callback = callback;
        this.hedge = hedge;
        this.timeoutMillis = producer.endpoint.getConfiguration().getRequestTimeout();
        this.sends = new CompletableFuture<?>[maxSends];
        this.targets = new Balancer.Target[maxSends];
        this.spans = new Object[maxSends];
        this.late = new boolean[maxSends];
    }

    void start(Connection connection, Headers headers, byte[] data) {
        this.connection = connection;
        this.headers = headers;
        this.data = data;
        onEventLoopNow(this::begin);
    }

    private void begin() {
        // watched before the send: off an event loop a reply may complete the request within send()
        disconnectWatch = producer.nats.whileConnected(this::connectionLost);
        long now = System.nanoTime();
        // counted before it goes out: off an event loop its outcome may be settled within send()
        long due = hedge.firstSent(now);
        try {
            send(0);
        } catch (RuntimeException e) {
            disconnectWatch.run();
            throw e;
        }
        if (!finished) {
            arm(due);
        }
    }

    /** Send number {@code attempt}: to the balancer's choice, else to the endpoint's subject (its queue group). */
    private void send(int attempt) {
        Balancer.Target target = producer.balancer == null ? null : producer.balancer.choose(targets, attempt);
        String subject = target == null ? producer.endpoint.getConfiguration().getTopic() : target.subject();
        Object span = producer.tracer == null ? null : producer.tracer.sending(exchange, attempt, subject);
        String traceparent = span == null ? null : producer.tracer.traceparent(span);
        Headers sendHeaders = headers;
        if (traceparent != null) {
            sendHeaders = headers == null ? new Headers() : new Headers(headers);
            sendHeaders.put("traceparent", traceparent);
        }
        spans[attempt] = span;
        NatsMessage message = NatsMessage.builder().subject(subject).headers(sendHeaders).data(data).build();
        // jnats keeps the request in its table at least as long as we wait; its cleanup removes it afterwards
        CompletableFuture<Message> reply;
        try {
            reply = connection.requestWithTimeout(message, Duration.ofMillis(timeoutMillis * 2));
        } catch (IllegalStateException e) {
            if (target != null) {
                producer.balancer.done(target, false, 0);
            }
            throw NatsRequestProducer.refused(e);
        }
        targets[attempt] = target;
        sends[attempt] = reply;
        reply.whenComplete((answer, failure) -> arrived(attempt, answer, failure));
    }

    private void arm(long delayNanos) {
        long delayMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos));
        if (eventLoop != null) {
            timer = eventLoop.owner().setTimer(delayMillis, id -> due());
        } else {
            CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(() -> onEventLoop(this::due));
        }
    }

    private void due() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        // every send out now went unanswered past a hedge delay or the deadline, whether or not another follows
        markLate();
        switch (hedge.due(now)) {
            case TIME_OUT -> finish(null, timedOut());
            case WAIT_FOR_DEADLINE -> arm(hedge.untilDeadline(now));
            case SEND_AGAIN -> {
                int attempt = hedge.attempts();
                long next = hedge.hedgeSent(now);
                try {
                    send(attempt);
                    exchange.setProperty(RequestProperties.ATTEMPTS, hedge.attempts());
                    if (!finished) {
                        arm(next);
                    }
                } catch (RuntimeException e) {
                    // the connection went away meanwhile: the disconnect watch ends the request
                    hedge.unsent();
                    arm(hedge.untilDeadline(now));
                }
            }
        }
    }

    /** The sends not answered within the hedge delay, once each: the balancer may stop choosing their backend. */
    private void markLate() {
        for (int i = 0; i < hedge.attempts(); i++) {
            if (!late[i] && targets[i] != null) {
                late[i] = true;
                producer.balancer.late(targets[i]);
            }
        }
    }

    private void connectionLost() {
        onEventLoop(() -> finish(null, new NatsUnavailableException("The NATS connection was lost with the request in flight")));
    }

    /** On jnats' reader thread (or the JDK's timer): a refused reply is dropped here, before any hand-off. */
    private void arrived(int attempt, Message reply, Throwable failure) {
        if (finished) {
            return;
        }
        if (failure == null && !producer.heldReplies.tryHold(reply.getData().length)) {
            onEventLoop(() -> finish(null, producer.heldReplies.refusal()));
        } else {
            onEventLoop(() -> settle(attempt, reply, failure));
        }
    }

    /** One send's outcome. A send that failed while another is pending (no responders to a hedge) ends nothing. */
    private void settle(int attempt, Message reply, Throwable failure) {
        if (finished) {
            release(reply);
            return;
        }
        if (failure == null) {
            hedge.answered(attempt, System.nanoTime());
            answeredBy = attempt;
            finish(reply, null);
            return;
        }
        boolean gone = failure instanceof JetStreamStatusException && targets[attempt] != null;
        if (gone) {
            // nobody at that backend's own subject any more (it left, or is draining): send on elsewhere at once
            producer.balancer.gone(targets[attempt]);
        }
        if (hedge.failed(attempt)) {
            if (gone && hedge.attempts() < sends.length && resend()) {
                return;
            }
            finish(null, failure);
        }
    }

    /** One more send, now, outside the hedge budget: false when it could not go out. */
    private boolean resend() {
        int attempt = hedge.attempts();
        hedge.resent(System.nanoTime());
        try {
            send(attempt);
            exchange.setProperty(RequestProperties.ATTEMPTS, hedge.attempts());
            return true;
        } catch (RuntimeException e) {
            hedge.unsent();
            return false;
        }
    }

    private void finish(Message reply, Throwable failure) {
        if (finished) {
            release(reply);
            return;
        }
        finished = true;
        exchange.setProperty(RequestProperties.WAITED_NANOS, System.nanoTime() - startedNanos);
        if (timer >= 0) {
            eventLoop.owner().cancelTimer(timer);
        }
        disconnectWatch.run();
        if (producer.tracer != null) {
            for (int i = 0; i < hedge.attempts(); i++) {
                producer.tracer.ended(spans[i], i == answeredBy, failure);
            }
        }
        if (producer.balancer != null) {
            long now = System.nanoTime();
            for (int i = 0; i < hedge.attempts(); i++) {
                if (targets[i] != null) {
                    producer.balancer.done(targets[i], i == answeredBy, hedge.sentNanos(i, now));
                }
            }
        }
        if (hedge.attempts() > 1) {
            exchange.setProperty(RequestProperties.ATTEMPTS, hedge.attempts());
            if (hedge.answeredBy() > 0) {
                exchange.setProperty(RequestProperties.ANSWERED_BY, hedge.answeredBy());
            }
            // the sends still pending: their replies, if any come, are dropped on arrival
            for (int i = 0; i < hedge.attempts(); i++) {
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

    private void release(Message reply) {
        if (reply != null) {
            producer.heldReplies.release(reply.getData().length);
        }
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

    private void onEventLoop(Runnable step) {
        if (eventLoop == null) {
            synchronized (this) {
                step.run();
            }
        } else {
            eventLoop.runOnContext(ignored -> step.run());
        }
    }

    /** Runs {@code step} now: on the event loop we are on, or under the lock off one. */
    private void onEventLoopNow(Runnable step) {
        if (eventLoop == null) {
            synchronized (this) {
                step.run();
            }
        } else {
            step.run();
        }
    }

    private TimeoutException timedOut() {
        return new TimeoutException("No reply on " + producer.endpoint.getConfiguration().getTopic() + " within " + timeoutMillis + " ms");
    }
}
