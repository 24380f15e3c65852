package io.fooweb;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Variable;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The web's NATS request: payload out, reply payload back, over the process's shared connection.
 * <p>
 * Used instead of camel-nats 4.17.0's InOut producer, which schedules a timeout task per request that is never
 * removed (its default queue caps a web at ~500 requests/s with RejectedExecutionException, and each task holds its
 * exchange for the whole timeout) and copies every Camel header onto the wire. No thread waits for the reply: the
 * route continues when it comes, on the request's event loop rather than on jnats' single reply dispatcher.
 * <p>
 * Failures are exceptions the web routes map to statuses: {@link TimeoutException} (504), jnats'
 * JetStreamStatusException for no responders (503), IllegalStateException while not connected (503), and a
 * {@link FoowebException} 503 {@code busy} for a reply that arrives while this web already holds
 * {@code maxHeldReplyBytes} of replies: each is held until its answer is written, and a web answering many large files
 * to slow readers at once otherwise ran out of heap.
 */
public class NatsRequester {

    private final NatsConnector nats;
    private final String subject;
    private final Duration timeout;
    private final long maxHeldReplyBytes;
    private final AtomicLong heldReplyBytes = new AtomicLong();

    public NatsRequester(NatsConnector nats, String subject, Duration timeout, long maxHeldReplyBytes) {
        this.nats = nats;
        this.subject = subject;
        this.timeout = timeout;
        this.maxHeldReplyBytes = maxHeldReplyBytes;
    }

    /**
     * Sends the filename, as UTF-8 whatever charset the HTTP request declared; the reply's payload follows, on the
     * event loop of the HTTP request ({@link EventLoopHttpConsumer#continuation()}). Only our own headers travel: the
     * one that asks our backend for the status line (ReplyEnvelope), the request id, and the client's traceparent
     * when it sent a valid one (both checked by RequestTrace).
     */
    public CompletableFuture<byte[]> request(@Body String filename, @Variable("requestId") String requestId,
            @Variable("traceparent") String traceparent, Exchange exchange) {
        Connection connection = nats.connection();
        Headers headers = new Headers().add(ReplyEnvelope.REQUEST_HEADER, "1");
        if (requestId != null) {
            headers.add(RequestTrace.REQUEST_ID_HEADER, requestId);
        }
        if (traceparent != null) {
            headers.add(RequestTrace.TRACEPARENT_HEADER, traceparent);
        }
        Executor continuation = EventLoopHttpConsumer.continuation();
        CompletableFuture<Message> reply = connection.request(
                NatsMessage.builder().subject(subject).headers(headers).data(filename.getBytes(StandardCharsets.UTF_8)).build());
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        // orTimeout's timer is cancelled when the reply comes (unlike camel-nats'); a timed-out request is removed from
        // jnats' table of awaited replies by its cleanup task (requestCleanupInterval)
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((message, failure) -> {
            if (failure == null && !hold(message.getData().length)) {
                // refused on jnats' thread, so that the reply is dropped here rather than queued for the event loop
                continuation.execute(() -> answer.completeExceptionally(new FoowebException(503, "busy",
                        "The web is holding too many large answers; try again shortly")));
                return;
            }
            continuation.execute(() -> complete(answer, message, failure, exchange));
        });
        return answer;
    }

    /** Counts a reply as held, unless that would exceed the limit while others are held (one is always allowed). */
    private boolean hold(long bytes) {
        long held;
        do {
            held = heldReplyBytes.get();
            if (held > 0 && held + bytes > maxHeldReplyBytes) {
                return false;
            }
        } while (!heldReplyBytes.compareAndSet(held, held + bytes));
        return true;
    }

    /** Bytes of replies held now: counted when they arrive, released when their exchange is done (answer written). */
    public long heldReplyBytes() {
        return heldReplyBytes.get();
    }

    private void complete(CompletableFuture<byte[]> answer, Message message, Throwable failure, Exchange exchange) {
        if (failure == null) {
            long bytes = message.getData().length;
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    heldReplyBytes.addAndGet(-bytes);
                }
            });
            answer.complete(message.getData());
        } else if (failure instanceof TimeoutException || failure instanceof CancellationException) {
            answer.completeExceptionally(new TimeoutException("No reply on " + subject + " within " + timeout.toMillis() + " ms"));
        } else {
            answer.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
        }
    }
}
