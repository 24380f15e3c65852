package io.fooweb.nats;

import java.time.Duration;
import java.util.Arrays;

import io.fooweb.patch.jnats.ReaderThreadWrites;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.DispatcherFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The jnats options of the process's connection: how it reconnects, what it reports, how it logs. */
final class NatsOptions {

    private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);

    private NatsOptions() {
    }

    static Options of(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            Duration pingInterval, int maxPingsOut, NatsSecurity security, DispatcherFactory readerThreadDispatch,
            ConnectionListener listener) {
        // the URLs carry no credentials (serverUrls), so logging them is safe
        ConnectionListener logEvents = (connection, event) -> {
            LOG.info("NATS connection '{}': {} ({})", connectionName, event.getEvent(), connection.getConnectedUrl());
            listener.connectionEvent(connection, event);
        };
        Options.Builder builder = security.applyTo(new Options.Builder());
        // replies, and the messages of handlers that take them there, are handled on the reader thread, without a
        // dispatcher thread in between
        String readerThreadWrites = readerThreadDispatch != null ? ReaderThreadWrites.dataPortTypeOrNull() : null;
        if (readerThreadDispatch != null) {
            builder.dispatcherFactory(readerThreadDispatch);
        }
        // and the replies made there go out with the reader's next write, without waking jnats' writer thread
        if (readerThreadWrites != null) {
            builder.dataPortType(readerThreadWrites);
        }
        LOG.info("jnats {} ({}); replies and the backend's small reads are handled on {}{}", Nats.CLIENT_VERSION,
                Nats.class.getProtectionDomain().getCodeSource().getLocation(), readerThreadDispatch != null ? "the reader thread"
                        : "jnats' dispatcher threads (io.nats.client.impl.ReaderThreadDispatch is not in jnats' class loader, or jnats is not 2.26)",
                readerThreadWrites != null ? ", which writes the backend's replies itself" : "");
        return builder
                .servers(serverUrls(servers))
                .connectionName(connectionName)
                .connectionTimeout(Duration.ofSeconds(2))
                // never give up (camel-nats' defaults close the connection for good after ~2 minutes)
                .reconnectWait(reconnectWait)
                .maxReconnects(-1)
                // no reconnect buffer: a request made while disconnected fails at once (503) instead of being
                // delivered late, as stale work, after its caller already got an error
                .reconnectBufferSize(0)
                // a request to a subject nobody serves fails at once instead of waiting for the timeout
                .reportNoResponders()
                // requests queued while jnats' writer was busy go out in one write(2) with the rest of its batch; jnats
                // takes what is queued and never waits for more, so no request waits longer
                .dontForceFlushOnRequest()
                // jnats cancels requests older than this interval; it must not cut requests short of their timeout
                .requestCleanupInterval(requestTimeout.multipliedBy(2))
                // this client finds a silent connection (a cut cable: no FIN, no RST) after at most ~(maxPingsOut + 2)
                // x pingInterval: jnats skips a PING while messages arrive, so under load this costs nothing
                .pingInterval(pingInterval)
                .maxPingsOut(maxPingsOut)
                .connectionListener(logEvents)
                .errorListener(new LoggingErrorListener())
                .build();
    }

    /**
     * {@link io.nats.client.impl.ReaderThreadDispatch}, found by name: it is written against jnats 2.26.2's package
     * internals, and Camel JBang, which compiles our sources against camel-nats' jnats 2.24.1 in a class loader of its
     * own, is not given it (docs/jbang.md); there jnats' own dispatcher serves.
     */
    static DispatcherFactory readerThreadDispatch() {
        try {
            return (DispatcherFactory) Class.forName("io.nats.client.impl.ReaderThreadDispatch").getMethod("factoryOrNull").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /**
     * The comma-separated server URLs. Credentials in a URL ({@code nats://user:password@host}, {@code nats://token@host})
     * are refused: URLs appear in logs (connection events, jnats' errors, Camel's property summary), while the
     * credential settings are kept out of them.
     */
    static String[] serverUrls(String servers) {
        String[] urls = Arrays.stream(servers.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
        for (String url : urls) {
            if (url.contains("@")) {
                throw new IllegalArgumentException("fooweb.nats.servers must not contain credentials (user:password@ or"
                        + " token@): set fooweb.nats.user and fooweb.nats.password, or fooweb.nats.token, instead");
            }
        }
        return urls;
    }

    /** Sends jnats' own errors to SLF4J rather than java.util.logging on stderr. */
    private static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("NATS error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.warn("NATS exception: {}", exp.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            LOG.warn("NATS slow consumer: {} messages pending", consumer.getPendingMessageCount());
        }
    }
}
