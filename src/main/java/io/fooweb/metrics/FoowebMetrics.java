package io.fooweb.metrics;

import io.fooweb.nats.NatsConnector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nats.client.Connection;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;

/**
 * Puts fooweb's own meters into the Micrometer registry that camel-micrometer-prometheus creates (bean
 * {@value MicrometerConstants#METRICS_REGISTRY_NAME}) and scrapes at {@code /observe/metrics}: in every process
 * {@code fooweb_nats_connected} (1 connected, 0 not) and {@code fooweb_nats_reconnects_total}; each role's starter
 * adds its own meters ({@link #bind}).
 * <p>
 * Every value but the web's per-request timer is read when Prometheus scrapes, so none of this costs per request.
 * Without a registry ({@code camel.metrics.enabled=false}) nothing is bound and /stats works as before.
 */
@Configuration
public class FoowebMetrics implements CamelConfiguration, StartupListener {

    @Override
    public void configure(CamelContext context) throws Exception {
        context.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        if (registry == null || alreadyStarted) {
            return;
        }
        NatsConnector nats = context.getRegistry().lookupByNameAndType("natsConnector", NatsConnector.class);
        Gauge.builder("fooweb.nats.connected", nats, connector -> connector.isReady() ? 1 : 0)
                .description("1 while this process's NATS connection is connected, else 0").strongReference(true).register(registry);
        FunctionCounter.builder("fooweb.nats.reconnects", nats, FoowebMetrics::reconnects)
                .description("Times this process's NATS connection reconnected").register(registry);
    }

    /** Adds a role's own meters, when there is a registry: its starter calls this (WebStartup, BackendWorkers). */
    public static void bind(CamelContext context, MeterBinder meters) {
        MeterRegistry registry = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        if (registry != null) {
            meters.bindTo(registry);
        }
    }

    private static double reconnects(NatsConnector nats) {
        Connection connection = nats.connectionOrNull();
        return connection == null ? 0 : connection.getStatistics().getReconnects();
    }
}
