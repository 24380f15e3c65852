package io.fooweb;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.model.Model;

/**
 * Puts fooweb's own meters into the Micrometer registry that camel-micrometer-prometheus creates (bean
 * {@value MicrometerConstants#METRICS_REGISTRY_NAME}) and scrapes at {@code /observe/metrics}, by role:
 * <ul>
 * <li>every process: {@code fooweb_nats_connected} (1 connected, 0 not) and {@code fooweb_nats_reconnects_total};</li>
 * <li>web: the /req outcomes {@link RequestCounter} records;</li>
 * <li>backend: {@code fooweb_backend_requests_total} and {@code fooweb_backend_errors_total}, the counts of
 * {@link BackendStats} that the NATS service API reports too.</li>
 * </ul>
 * Every value but the web's per-request timer is read when Prometheus scrapes, so none of this costs per request.
 * Without a registry ({@code camel.metrics.enabled=false}) nothing is bound and /stats works as before.
 */
public class FoowebMetrics implements StartupListener {

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        if (registry == null || alreadyStarted) {
            return;
        }
        NatsConnector nats = context.getRegistry().lookupByNameAndType("nats", NatsConnector.class);
        Gauge.builder("fooweb.nats.connected", nats, connector -> connector.isReady() ? 1 : 0)
                .description("1 while this process's NATS connection is connected, else 0").strongReference(true).register(registry);
        FunctionCounter.builder("fooweb.nats.reconnects", nats, FoowebMetrics::reconnects)
                .description("Times this process's NATS connection reconnected").register(registry);

        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        if (model.getRouteDefinition(NatsStartup.WEB_ROUTE) != null) {
            context.getRegistry().lookupByNameAndType("requestCounter", RequestCounter.class).bindTo(registry);
        }
        if (model.getRouteTemplateDefinition(NatsStartup.TEMPLATE) != null) {
            BackendStats stats = context.getRegistry().lookupByNameAndType("backendStats", BackendStats.class);
            FunctionCounter.builder("fooweb.backend.requests", stats, s -> s.snapshot().requests())
                    .description("Requests this backend answered (a file or a failure)").register(registry);
            FunctionCounter.builder("fooweb.backend.errors", stats, s -> s.snapshot().errors())
                    .description("Requests this backend answered with a failure (refused, missing, unreadable)").register(registry);
        }
    }

    private static double reconnects(NatsConnector nats) {
        Connection connection = nats.connectionOrNull();
        return connection == null ? 0 : connection.getStatistics().getReconnects();
    }
}
