package io.fooweb.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.impl.DispatcherFactory;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one NATS connection a process shares between all its NATS users.
 * <p>
 * The process must start while NATS is down and begin serving when it comes up, so the first connect is retried in
 * the background every {@code reconnectWait} until it succeeds; once connected, jnats reconnects by itself, forever.
 * jnats' own reconnect-on-connect mode works on 2.26.2 (the 2.24.1 writer race that made a late connection stop
 * sending, nats.java #1522, was fixed in 2.25.2), but it still needs a loop for credentials refused at startup and a
 * way to close an attempt still under way, which made this class longer, with the same time to serve (re-checked on
 * 2.26.2: first answers 0.9-1.3 s after NATS came up, against 0.8-1.7 s with this loop, FaultToleranceIT).
 * <p>
 * How it authenticates and whether it uses TLS is {@link NatsSecurity}'s business. Credentials are refused here when
 * they come inside a server URL, because URLs are logged.
 */
public class NatsConnector implements AutoCloseable, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);

    private final Options options;
    private final boolean readerThreadDispatch;
    private final Duration retryWait;
    private final String connectionName;
    private final List<Consumer<Connection>> onConnected = new ArrayList<>();
    private final Set<Runnable> onDisconnect = ConcurrentHashMap.newKeySet();
    private volatile Connection current;
    private volatile Thread connecting;
    private volatile boolean closed;

    /** With jnats' own pings (every 2 minutes, 2 unanswered): for tests and tools that do not care how fast a cut link is found. */
    public NatsConnector(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            NatsSecurity security) {
        this(servers, connectionName, requestTimeout, reconnectWait, Options.DEFAULT_PING_INTERVAL, Options.DEFAULT_MAX_PINGS_OUT, security);
    }

    /** The process's connection (routes/nats.camel.yaml), every duration in milliseconds. */
    public NatsConnector(String servers, String connectionName, long requestTimeoutMillis, long reconnectWaitMillis,
            long pingIntervalMillis, int maxPingsOut, NatsSecurity security) {
        this(servers, connectionName, Duration.ofMillis(requestTimeoutMillis), Duration.ofMillis(reconnectWaitMillis),
                Duration.ofMillis(pingIntervalMillis), maxPingsOut, security);
    }

    /**
     * @param pingInterval how often the client PINGs its server while no message arrives; with {@code maxPingsOut} of
     *                     them unanswered the connection counts as dead and jnats reconnects (to another node, if any)
     */
    public NatsConnector(String servers, String connectionName, Duration requestTimeout, Duration reconnectWait,
            Duration pingInterval, int maxPingsOut, NatsSecurity security) {
        DispatcherFactory dispatch = NatsOptions.readerThreadDispatch();
        this.readerThreadDispatch = dispatch != null;
        this.options = NatsOptions.of(servers, connectionName, requestTimeout, reconnectWait, pingInterval, maxPingsOut, security,
                dispatch, this::connectionEvent);
        this.retryWait = reconnectWait;
        this.connectionName = connectionName;
        LOG.info("NATS connection '{}' to {}: {}", connectionName, options.getServers(), security);
        startConnecting();
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
     * Whether a dispatcher whose handler is also a {@code BiConsumer<Message, Runnable>} gets its messages on the
     * connection's reader thread (io.nats.client.impl.ReaderThreadDispatch); where it does not, such a handler gets
     * them through {@code onMessage} on a dispatcher thread, like any other.
     */
    public boolean dispatchesOnReaderThread() {
        return readerThreadDispatch;
    }

    /** The latest connection, if one has connected; null before that. */
    public Connection connectionOrNull() {
        return current;
    }

    /** The connection, ready to use; {@link NatsUnavailableException} while it is not. */
    public Connection connection() {
        Connection connection = connectionOrNull();
        if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
            throw new NatsUnavailableException("NATS connection is " + (connection == null ? "not established yet" : connection.getStatus()));
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
     * connection that replaces one jnats closed for good; running the returned Runnable forgets it.
     */
    public Runnable whenConnected(Consumer<Connection> action) {
        Connection now;
        synchronized (onConnected) {
            onConnected.add(action);
            now = current;
        }
        if (now != null) {
            action.accept(now);
        }
        return () -> {
            synchronized (onConnected) {
                onConnected.remove(action);
            }
        };
    }

    /**
     * A dispatcher that {@code subscribe} creates and subscribes on each connection from now on (see
     * {@link #whenConnected}), until the returned handle is closed, which also closes the current one.
     */
    public AutoCloseable dispatch(Function<Connection, Dispatcher> subscribe) {
        Subscribed subscribed = new Subscribed();
        Runnable forget = whenConnected(connection -> subscribed.replaceWith(connection, subscribe));
        return () -> {
            forget.run();
            subscribed.close();
        };
    }

    /**
     * The dispatcher of one {@link #dispatch}. Once closed none outlives it, not even one being made on a connection
     * that opens as it closes: whenConnected runs the subscription outside its lock, so a bean destroyed meanwhile (the
     * YAML DSL builds beans twice) left a live subscription behind, an extra answer to every cluster request.
     */
    private static final class Subscribed {
        private Connection connection;
        private Dispatcher dispatcher;
        private boolean closed;

        void replaceWith(Connection connection, Function<Connection, Dispatcher> subscribe) {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            Dispatcher made = subscribe.apply(connection);
            synchronized (this) {
                if (!closed) {
                    this.connection = connection;
                    this.dispatcher = made;
                    return;
                }
            }
            closeOn(connection, made);
        }

        void close() {
            Connection on;
            Dispatcher last;
            synchronized (this) {
                closed = true;
                on = connection;
                last = dispatcher;
                dispatcher = null;
            }
            if (last != null) {
                closeOn(on, last);
            }
        }

        private static void closeOn(Connection connection, Dispatcher dispatcher) {
            // a connection closed for good took its dispatchers with it
            if (connection.getStatus() == Connection.Status.CONNECTED) {
                connection.closeDispatcher(dispatcher);
            }
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

    /** fooweb_nats_connected (1 connected, 0 not) and fooweb_nats_reconnects_total, read when Prometheus scrapes. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("fooweb.nats.connected", this, connector -> connector.isReady() ? 1 : 0)
                .description("1 while this process's NATS connection is connected, else 0").strongReference(true).register(registry);
        FunctionCounter.builder("fooweb.nats.reconnects", this, connector -> {
            Connection connection = connector.connectionOrNull();
            return connection == null ? 0 : connection.getStatistics().getReconnects();
        }).description("Times this process's NATS connection reconnected").register(registry);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        connecting.interrupt();
        Connection connection = connectionOrNull();
        if (connection != null) {
            connection.close();
        }
    }
}
