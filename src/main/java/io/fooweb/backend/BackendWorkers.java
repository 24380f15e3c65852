package io.fooweb.backend;

import java.util.concurrent.TimeUnit;

import io.fooweb.RoleStartup;
import io.fooweb.metrics.FoowebMetrics;
import io.fooweb.nats.NatsConnector;
import io.nats.client.Connection;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the backend once Camel has started: publishes its meters (requests, stuck reads), and once NATS is connected
 * binds the connection as {@code natsConnection} for the camel-nats endpoints, starts {@code concurrency} workers from
 * the {@value #TEMPLATE} route template, and makes the backend discoverable ({@link NatsServiceDiscovery}).
 * <p>
 * A camel-nats consumer handles one message at a time on its own dispatcher thread, so several workers let one
 * backend serve several requests at once (a slow read does not stall the queue behind it).
 */
public class BackendWorkers extends RoleStartup {

    static final String TEMPLATE = "backend-worker";
    private static final Logger LOG = LoggerFactory.getLogger(BackendWorkers.class);

    private final int concurrency;

    public BackendWorkers(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    protected void started(CamelContext context) {
        FoowebMetrics.bind(context, context.getRegistry().lookupByNameAndType("backendStats", BackendStats.class));
        FoowebMetrics.bind(context, context.getRegistry().lookupByNameAndType("readWatch", ReadWatch.class));
        context.getRegistry().lookupByNameAndType("natsConnector", NatsConnector.class).whenConnected(this::startWorkers);
    }

    private void startWorkers(Connection connection) {
        getCamelContext().getRegistry().bind("natsConnection", connection);
        if (!getCamelContext().isStarted()) {
            return;
        }
        removeWorkersOfAClosedConnection();
        for (int worker = 1; worker <= concurrency; worker++) {
            try {
                TemplatedRouteBuilder.builder(getCamelContext(), TEMPLATE)
                        .routeId(TEMPLATE + "-" + worker)
                        .parameter("worker", worker)
                        .add();
            } catch (RuntimeException e) {
                LOG.error("Could not start backend worker {}: {}", worker, e.toString());
                throw e;
            }
        }
        LOG.info("Started {} backend workers", concurrency);
        getCamelContext().getRegistry().lookupByNameAndType("natsServiceDiscovery", NatsServiceDiscovery.class).start(connection);
    }

    /**
     * When jnats closed the previous connection for good and this is its replacement, the workers and their camel-nats
     * endpoints still hold the closed one: remove them, so that the new workers get endpoints with the new connection.
     */
    private void removeWorkersOfAClosedConnection() {
        boolean removed = false;
        for (int worker = 1; worker <= concurrency; worker++) {
            String id = TEMPLATE + "-" + worker;
            if (getCamelContext().getRoute(id) != null) {
                try {
                    getCamelContext().getRouteController().stopRoute(id, 1, TimeUnit.SECONDS);
                    getCamelContext().removeRoute(id);
                } catch (Exception e) {
                    LOG.warn("Could not remove worker {} of the closed NATS connection: {}", id, e.toString());
                }
                removed = true;
            }
        }
        if (removed) {
            try {
                getCamelContext().removeEndpoints("nats:*");
            } catch (Exception e) {
                LOG.warn("Could not remove the endpoints of the closed NATS connection: {}", e.toString());
            }
        }
    }
}
