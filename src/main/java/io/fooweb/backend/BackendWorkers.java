package io.fooweb.backend;

import java.util.concurrent.TimeUnit;

import io.fooweb.metrics.FoowebMetrics;
import io.fooweb.nats.NatsConnector;
import io.nats.client.Connection;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the backend once Camel has started: publishes its meters (requests, stuck reads), and once NATS is connected binds the connection as {@code natsConnection} for
 * the camel-nats endpoints, starts {@code concurrency} workers from the {@value #TEMPLATE} route template, and makes
 * the backend discoverable ({@link NatsServiceDiscovery}). It is the one bean routes/backend.camel.yaml declares itself:
 * nothing refers to it, and it must exist exactly where the backend's routes do.
 * <p>
 * A camel-nats consumer handles one message at a time on its own dispatcher thread, so several workers let one
 * backend serve several requests at once (a slow read does not stall the queue behind it).
 */
public class BackendWorkers implements CamelContextAware, StartupListener {

    static final String TEMPLATE = "backend-worker";
    private static final Logger LOG = LoggerFactory.getLogger(BackendWorkers.class);

    private final int concurrency;
    private CamelContext camelContext;

    public BackendWorkers(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * The bean's init method: the workers start once Camel has started. Camel Main reads the YAML beans twice (a
     * pre-parse, then the load), so only the instance the registry ended up with starts them.
     */
    public void start() throws Exception {
        camelContext.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the workers join once the context is fully started, below
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        if (context.getRegistry().findByType(BackendWorkers.class).stream().noneMatch(bound -> bound == this)) {
            return;
        }
        FoowebMetrics.bind(context, context.getRegistry().lookupByNameAndType("backendStats", BackendStats.class));
        FoowebMetrics.bind(context, context.getRegistry().lookupByNameAndType("readWatch", ReadWatch.class));
        context.getRegistry().lookupByNameAndType("natsConnector", NatsConnector.class).whenConnected(this::startWorkers);
    }

    private void startWorkers(Connection connection) {
        camelContext.getRegistry().bind("natsConnection", connection);
        if (!camelContext.isStarted()) {
            return;
        }
        removeWorkersOfAClosedConnection();
        for (int worker = 1; worker <= concurrency; worker++) {
            try {
                TemplatedRouteBuilder.builder(camelContext, TEMPLATE)
                        .routeId(TEMPLATE + "-" + worker)
                        .parameter("worker", worker)
                        .add();
            } catch (RuntimeException e) {
                LOG.error("Could not start backend worker {}: {}", worker, e.toString());
                throw e;
            }
        }
        LOG.info("Started {} backend workers", concurrency);
        camelContext.getRegistry().lookupByNameAndType("natsServiceDiscovery", NatsServiceDiscovery.class).start(connection);
    }

    /**
     * When jnats closed the previous connection for good and this is its replacement, the workers and their camel-nats
     * endpoints still hold the closed one: remove them, so that the new workers get endpoints with the new connection.
     */
    private void removeWorkersOfAClosedConnection() {
        boolean removed = false;
        for (int worker = 1; worker <= concurrency; worker++) {
            String id = TEMPLATE + "-" + worker;
            if (camelContext.getRoute(id) != null) {
                try {
                    camelContext.getRouteController().stopRoute(id, 1, TimeUnit.SECONDS);
                    camelContext.removeRoute(id);
                } catch (Exception e) {
                    LOG.warn("Could not remove worker {} of the closed NATS connection: {}", id, e.toString());
                }
                removed = true;
            }
        }
        if (removed) {
            try {
                camelContext.removeEndpoints("nats:*");
            } catch (Exception e) {
                LOG.warn("Could not remove the endpoints of the closed NATS connection: {}", e.toString());
            }
        }
    }
}
