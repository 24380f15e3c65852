package io.fooweb;

import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts {@code concurrency} backend workers from the {@code backend-worker} route template, once the routes are
 * loaded. A camel-nats consumer handles one message at a time, so several workers let one backend serve several
 * requests at once (a slow read does not stall the queue behind it). Where the template is not loaded (web role),
 * nothing happens: which route files load is what decides the role.
 */
public class BackendWorkers extends EventNotifierSupport {

    static final String TEMPLATE = "backend-worker";
    private static final Logger LOG = LoggerFactory.getLogger(BackendWorkers.class);

    private final int concurrency;

    public BackendWorkers(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Model model = getCamelContext().getCamelContextExtension().getContextPlugin(Model.class);
        if (model.getRouteTemplateDefinition(TEMPLATE) == null) {
            return;
        }
        for (int worker = 1; worker <= concurrency; worker++) {
            TemplatedRouteBuilder.builder(getCamelContext(), TEMPLATE)
                    .routeId(TEMPLATE + "-" + worker)
                    .parameter("worker", worker)
                    .add();
        }
        LOG.info("Started {} backend workers", concurrency);
    }
}
