package io.fooweb;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

/**
 * The web's NATS request: payload out, reply payload back, over the process's shared connection.
 * <p>
 * Used instead of camel-nats 4.17.0's InOut producer, which schedules a timeout task per request that is never
 * removed (its default queue caps a web at ~500 requests/s with RejectedExecutionException, and each task holds its
 * exchange for the whole timeout) and copies every Camel header onto the wire. The platform-http thread that calls
 * this waits for the route to finish anyway, so it simply waits for the reply here, and the route continues on that
 * thread rather than on jnats' single reply dispatcher.
 * <p>
 * Failures are exceptions the web routes map to statuses: {@link TimeoutException} (504), jnats'
 * JetStreamStatusException for no responders (503), IllegalStateException while not connected (503).
 */
public class NatsRequester {

    private final NatsConnector nats;
    private final String subject;
    private final Duration timeout;

    public NatsRequester(NatsConnector nats, String subject, Duration timeout) {
        this.nats = nats;
        this.subject = subject;
        this.timeout = timeout;
    }

    public byte[] request(byte[] payload) throws Exception {
        Connection connection = nats.connection();
        // only our own header travels: it asks our backend for the status line (ReplyEnvelope)
        Headers headers = new Headers().add(ReplyEnvelope.REQUEST_HEADER, "1");
        CompletableFuture<Message> reply = connection.request(
                NatsMessage.builder().subject(subject).headers(headers).data(payload).build());
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS).getData();
        } catch (TimeoutException | CancellationException e) {
            reply.cancel(true);
            throw new TimeoutException("No reply on " + subject + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
