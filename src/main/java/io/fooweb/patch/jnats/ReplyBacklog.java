package io.fooweb.patch.jnats;

import io.fooweb.backend.FileSlice;
import io.fooweb.nats.NatsConnector;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.nats.client.Connection;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backpressure for the backend's replies. Publishing a reply only queues it for jnats' writer thread, and jnats bounds
 * that queue by message count (5,000), not bytes: a busy backend read and queued 1 MiB replies faster than it could
 * send them until its heap ran out (seen at 64 concurrent 1 MiB requests with a 64 MB heap). Before a large reply is
 * queued, the worker waits while more than {@code maxBytes} are queued; a PING queued behind them comes back (jnats'
 * flush) once they have all reached the server. Small replies skip the check: asking jnats for the queue's size takes
 * its writer's lock, which the writer holds during every socket write (that check on every request cost the backend
 * about a tenth more CPU), and small replies are sent faster than a worker produces them.
 */
public class ReplyBacklog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyBacklog.class);

    /** Replies up to this size never wait. */
    static final int SMALL_REPLY_BYTES = 16 * 1024;

    private final Supplier<Connection> connection;
    private final long maxBytes;
    private final Duration maxWait;

    /** What the workers may have queued at once: each one reply of at most {@code maxReplyBytes}, twice over. */
    public ReplyBacklog(NatsConnector nats, int concurrency, int maxReplyBytes, long requestTimeoutMillis) {
        this(nats::connectionOrNull, 2L * concurrency * maxReplyBytes, Duration.ofMillis(requestTimeoutMillis));
    }

    /** {@code connection}: the current connection, or null before there is one. */
    ReplyBacklog(Supplier<Connection> connection, long maxBytes, Duration maxWait) {
        this.connection = connection;
        this.maxBytes = maxBytes;
        this.maxWait = maxWait;
    }

    /** The route's step before the reply (a FileSlice body): waits while too many reply bytes are queued. */
    @Override
    public void process(Exchange exchange) throws InterruptedException {
        awaitRoom(exchange.getMessage().getBody(FileSlice.class));
    }

    /** Before a reply of {@code file}: returns once the queue holds at most {@code maxBytes}, or after the wait. */
    public void awaitRoom(@Body FileSlice file) throws InterruptedException {
        if (file.bytes().length <= SMALL_REPLY_BYTES) {
            return;
        }
        awaitRoom();
    }

    /** Returns at once while the queue holds at most {@code maxBytes}, else once it has drained or after the wait. */
    void awaitRoom() throws InterruptedException {
        Connection current = connection.get();
        if (current == null || current.outgoingPendingBytes() <= maxBytes) {
            return;
        }
        try {
            current.flush(maxWait);
        } catch (TimeoutException | IllegalStateException e) {
            // the server is slow or gone: serve on as before; pings and reconnects deal with a dead connection
            LOG.debug("Replies still queued after {} ms: {}", maxWait.toMillis(), e.toString());
        }
    }
}
