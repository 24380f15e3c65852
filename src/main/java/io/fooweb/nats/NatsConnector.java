package io.fooweb.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.ReaderThreadReplies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one NATS connection a process shares between all its NATS users.
 * <p>
 * The process must start while NATS is down and begin serving when it comes up, so the first connect is retried in
 * the background every {@code reconnectWait} until it succeeds; once connected, jnats reconnects by itself, forever.
 * (jnats' own reconnect-on-connect mode is not used: a connection whose first attempt failed sometimes stops
 * delivering replies after it connects; measured with jnats 2.24.1.)
 * <p>
 * How it authenticates and whether it uses TLS is {@link NatsSecurity}'s business. Credentials are refused here when
 * they come inside a server URL, because URLs are logged.
 */
public class NatsConnector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);
    private static final Duration WATCHDOG_INTERVAL = Duration.ofMillis(200);
    // a writer blocked on a slow socket also sends nothing for a while; only a longer silence counts as lost
    private static final int STALLED_CHECKS = 3;

    private final Options options;
    private final Duration retryWait;
    private final String connectionName;
    private final List<Consumer<Connection>> onConnected = new ArrayList<>();
    private final Set<Runnable> onDisconnect = ConcurrentHashMap.newKeySet();
    private volatile Connection current;
    private volatile Thread connecting;
    private volatile boolean closed;
    private final ScheduledExecutorService watchdog;
    private long bytesSentAtLastCheck = -1;
    private int stalledChecks;

    /** With jnats' own pings (every 2 minutes, 2 unanswered): for tests and tools that do not care how fast a cut link is found. */
    public NatsConnector(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            NatsSecurity security) {
        this(servers, connectionName, requestTimeout, reconnectWait, Options.DEFAULT_PING_INTERVAL, Options.DEFAULT_MAX_PINGS_OUT, security);
    }

    /**
     * @param pingInterval how often the client PINGs its server while no message arrives; with {@code maxPingsOut} of
     *                     them unanswered the connection counts as dead and jnats reconnects (to another node, if any)
     */
    public NatsConnector(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            Duration pingInterval, int maxPingsOut, NatsSecurity security) {
        this.options = options(servers, connectionName, requestTimeout, reconnectWait, pingInterval, maxPingsOut, security,
                this::connectionEvent);
        this.retryWait = reconnectWait;
        this.connectionName = connectionName;
        LOG.info("NATS connection '{}' to {}: {}", connectionName, options.getServers(), security);
        startConnecting();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "nats-writer-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        this.watchdog.scheduleWithFixedDelay(this::checkWriterProgress, WATCHDOG_INTERVAL.toMillis(), WATCHDOG_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    static Options options(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            Duration pingInterval, int maxPingsOut, NatsSecurity security, ConnectionListener listener) {
        // the URLs carry no credentials (serverUrls), so logging them is safe
        ConnectionListener logEvents = (connection, event) -> {
            LOG.info("NATS connection '{}': {} ({})", connectionName, event.getEvent(), connection.getConnectedUrl());
            listener.connectionEvent(connection, event);
        };
        Options.Builder builder = security.applyTo(new Options.Builder());
        // replies complete on the reader thread, without jnats' inbox-dispatcher thread in between (not under JBang)
        if (ReaderThreadReplies.factoryOrNull() != null) {
            builder.dispatcherFactory(ReaderThreadReplies.factoryOrNull());
        }
        return builder
                .servers(serverUrls(servers))
                .connectionName(connectionName)
                .connectionTimeout(Duration.ofSeconds(2))
                // never give up (camel-nats' defaults close the connection for good after ~2 minutes)
                .reconnectWait(reconnectWait)
                .maxReconnects(-1)
                // no reconnect buffer: a request made while disconnected fails at once (503) instead of being
                // delivered late, as stale work, after its caller already got an error. 1 byte holds no message;
                // 0 would say the same, but with 0 jnats 2.24.1 stops delivering replies after a reconnect once a
                // connection has several subscriptions (measured)
                .reconnectBufferSize(1)
                // a request to a subject nobody serves fails at once instead of waiting for the timeout
                .reportNoResponders()
                // jnats cancels requests older than this interval; it must not cut requests short of their timeout
                .requestCleanupInterval(requestTimeout.multipliedBy(2))
                // a silent connection (a cut cable: no FIN, no RST) is found after at most ~(maxPingsOut + 2) x
                // pingInterval: jnats skips a PING while messages arrive, so under load this costs nothing
                .pingInterval(pingInterval)
                .maxPingsOut(maxPingsOut)
                .connectionListener(logEvents)
                .errorListener(new LoggingErrorListener())
                .build();
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

    private void connectUntilConnected() {
        String told = null;
        while (!closed) {
            try {
                Connection connection = Nats.connect(options);
                if (closed) {
                    connection.close();
                } else {
                    connected(connection);
                }
                return;
            } catch (IOException e) {
                // once per reason: an unreachable server and refused credentials both show, without a line per retry
                if (!String.valueOf(e.getMessage()).equals(told)) {
                    LOG.warn("Cannot connect to NATS at {} yet ({}); retrying every {} ms", options.getServers(), e.getMessage(),
                            retryWait.toMillis());
                    told = String.valueOf(e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(retryWait.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * jnats 2.24.1 can lose its writer after a reconnect: the status says CONNECTED, replies still arrive, but
     * everything published from then on stays in the outgoing queue, so every request times out (seen in about one
     * of six NATS restarts on two busy cores; nothing recovers it by itself). A queue that holds messages while no byte is
     * sent for several checks in a row is that case, and a forced reconnect starts a new writer.
     */
    private void checkWriterProgress() {
        Connection connection = connectionOrNull();
        if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
            stalledChecks = 0;
            return;
        }
        long sent = connection.getStatistics().getOutBytes();
        boolean stalled = connection.outgoingPendingMessageCount() > 0 && sent == bytesSentAtLastCheck;
        bytesSentAtLastCheck = sent;
        stalledChecks = stalled ? stalledChecks + 1 : 0;
        if (stalledChecks >= STALLED_CHECKS) {
            stalledChecks = 0;
            LOG.warn("NATS connection has stopped sending ({} messages waiting); reconnecting", connection.outgoingPendingMessageCount());
            try {
                connection.forceReconnect();
            } catch (IOException e) {
                LOG.warn("NATS forced reconnect failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The latest connection, if one has connected; null before that. */
    public Connection connectionOrNull() {
        return current;
    }

    /** The connection, ready to use; IllegalStateException (a 503 to HTTP clients) while it is not. */
    public Connection connection() {
        Connection connection = connectionOrNull();
        if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
            throw new IllegalStateException("NATS connection is " + (connection == null ? "not established yet" : connection.getStatus()));
        }
        return connection;
    }

    /** The connected server's max_payload: the most bytes one message may carry; 0 before the first connect. */
    public long maxPayload() {
        Connection connection = connectionOrNull();
        return connection == null ? 0 : connection.getMaxPayload();
    }

    /** Connected: what readiness means for this process. */
    public boolean isReady() {
        Connection connection = connectionOrNull();
        return connection != null && connection.getStatus() == Connection.Status.CONNECTED;
    }

    /**
     * Runs {@code action} with each new connection: once connected (at once if connected already), and again with the
     * connection that replaces one jnats closed for good.
     */
    public void whenConnected(Consumer<Connection> action) {
        Connection now;
        synchronized (onConnected) {
            onConnected.add(action);
            now = current;
        }
        if (now != null) {
            action.accept(now);
        }
    }

    private void connected(Connection connection) {
        List<Consumer<Connection>> actions;
        synchronized (onConnected) {
            current = connection;
            actions = List.copyOf(onConnected);
        }
        actions.forEach(action -> action.accept(connection));
    }

    private void startConnecting() {
        Thread thread = new Thread(this::connectUntilConnected, "nats-connect-" + connectionName);
        thread.setDaemon(true);
        connecting = thread;
        thread.start();
    }

    /**
     * Runs {@code onDisconnect} once if the connection drops (or closes) before the returned Runnable is run, which
     * forgets it: a request in flight learns that its reply can no longer arrive.
     */
    public Runnable whileConnected(Runnable onDisconnect) {
        this.onDisconnect.add(onDisconnect);
        return () -> this.onDisconnect.remove(onDisconnect);
    }

    private void connectionEvent(Connection connection, ConnectionListener.Events event) {
        if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED) {
            for (Runnable watcher : onDisconnect) {
                if (onDisconnect.remove(watcher)) {
                    watcher.run();
                }
            }
        }
        closedByJnats(connection, event);
    }

    /**
     * jnats reconnects forever, except when the server refuses the credentials twice in a row (a password changed on
     * the server, a revoked or expired JWT): then it closes the connection for good. Connect anew, as at startup,
     * until the server accepts us again; the new connection replaces the old one everywhere (whenConnected).
     */
    private void closedByJnats(Connection connection, ConnectionListener.Events event) {
        if (event == ConnectionListener.Events.CLOSED && !closed && connection == current) {
            LOG.warn("NATS connection '{}' was closed for good by the client (refused credentials?); connecting anew", connectionName);
            startConnecting();
        }
    }

    /**
     * Drains the connection (the server stops giving it queue-group messages, in-flight work is answered, then it
     * closes), at most {@code timeout}, and closes for good.
     */
    public void drainAndClose(Duration timeout) throws InterruptedException {
        closed = true;
        Connection connection = connectionOrNull();
        if (connection != null && connection.getStatus() == Connection.Status.CONNECTED) {
            LOG.info("Draining the NATS connection (at most {} s)", timeout.toSeconds());
            try {
                boolean drained = connection.drain(timeout).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                LOG.info(drained ? "NATS connection drained" : "NATS drain timed out; closing");
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.warn("NATS drain failed ({}); closing", e.toString());
            }
        }
        close();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        connecting.interrupt();
        watchdog.shutdownNow();
        Connection connection = connectionOrNull();
        if (connection != null) {
            connection.close();
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
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            LOG.warn("NATS slow consumer: {} messages pending", consumer.getPendingMessageCount());
        }
    }
}
