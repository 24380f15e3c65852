package io.fooweb;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the one NATS connection a process shares between all its {@code nats:} endpoints.
 * <p>
 * The process must start while NATS is down and begin serving when it comes up, so the connection is opened
 * asynchronously with reconnect-on-connect: the connection object is handed out after its first attempt, connected or
 * not, and jnats keeps retrying (fooweb.nats.reconnect-wait), forever. Subscriptions made meanwhile are sent once it connects.
 */
public final class NatsConnector {

    private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);

    private NatsConnector() {
    }

    public static Options options(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            ConnectionListener listener) {
        return new Options.Builder()
                .servers(Arrays.stream(servers.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new))
                .connectionName(connectionName)
                .connectionTimeout(Duration.ofSeconds(2))
                // never give up (camel-nats' defaults close the connection for good after ~2 minutes)
                .reconnectWait(reconnectWait)
                .maxReconnects(-1)
                // no reconnect buffer: a request made while disconnected fails at once (503) instead of being
                // delivered late, as stale work, after its caller already got an error. 1 byte holds no message;
                // 0 would say the same, but with 0 jnats 2.24.1 stops delivering replies after a reconnect once a
                // connection has several subscriptions (measured; see the fault tests)
                .reconnectBufferSize(1)
                // a request to a subject nobody serves fails at once instead of waiting for the timeout
                .reportNoResponders()
                // jnats cancels requests older than this interval; it must not cut requests short of their timeout
                .requestCleanupInterval(requestTimeout.multipliedBy(2))
                .connectionListener(listener)
                .errorListener(new LoggingErrorListener())
                .build();
    }

    /** Connects, or starts reconnecting in the background if no server answers yet. */
    public static Connection connect(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait)
            throws Exception {
        CompletableFuture<Connection> firstAttempt = new CompletableFuture<>();
        ConnectionListener listener = (connection, event) -> {
            LOG.info("NATS connection '{}': {} ({})", connectionName, event.getEvent(), connection.getConnectedUrl());
            firstAttempt.complete(connection);
        };
        Nats.connectAsynchronously(options(servers, connectionName, requestTimeout, reconnectWait, listener), true);
        try {
            return firstAttempt.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("No answer from the NATS client for " + servers, e);
        }
    }

    /** Sends jnats' own errors to SLF4J rather than java.util.logging on stderr. */
    static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("NATS error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.warn("NATS exception: {}", exp.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.warn("NATS slow consumer: {} messages pending", consumer.getPendingMessageCount());
        }
    }
}
