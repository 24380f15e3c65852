package io.fooweb;

import java.util.concurrent.TimeUnit;

import io.nats.client.Connection;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once Camel has started: connect to NATS, and when connected bind the connection as {@code natsConnection} for the
 * camel-nats endpoints, start {@code concurrency} backend workers from the {@code backend-worker} route template, and
 * make the backend discoverable through the NATS service API ({@link NatsServiceDiscovery}); in a web, answer the
 * other webs' cluster statistics requests ({@link ClusterStats}).
 * <p>
 * A camel-nats consumer handles one message at a time, so several workers let one backend serve several requests at
 * once (a slow read does not stall the queue behind it). Where the template is not loaded (web role), no worker
 * starts and no service registers: which route files load is what decides the role.
 */
public class NatsStartup extends EventNotifierSupport {

    static final String TEMPLATE = "backend-worker";
    /** The web role's route: where it is loaded, this process is a web. */
    static final String WEB_ROUTE = "req";
    private static final Logger LOG = LoggerFactory.getLogger(NatsStartup.class);

    private final int concurrency;

    public NatsStartup(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        NatsConnector nats = getCamelContext().getRegistry().lookupByNameAndType("nats", NatsConnector.class);
        nats.whenConnected(this::startWorkers);
    }

    private void startWorkers(Connection connection) {
        getCamelContext().getRegistry().bind("natsConnection", connection);
        if (!getCamelContext().isStarted()) {
            return;
        }
        Model model = getCamelContext().getCamelContextExtension().getContextPlugin(Model.class);
        if (model.getRouteDefinition(WEB_ROUTE) != null) {
            getCamelContext().getRegistry().lookupByNameAndType("clusterStats", ClusterStats.class).start(connection);
        }
        if (model.getRouteTemplateDefinition(TEMPLATE) == null) {
            return;
        }
        removeWorkersOfAClosedConnection();
        for (int worker = 1; worker <= concurrency; worker++) {
            TemplatedRouteBuilder.builder(getCamelContext(), TEMPLATE)
                    .routeId(TEMPLATE + "-" + worker)
                    .parameter("worker", worker)
                    .add();
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
