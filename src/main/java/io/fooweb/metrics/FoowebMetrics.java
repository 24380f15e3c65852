package io.fooweb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.CamelContext;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * Puts fooweb's own meters ({@code fooweb_*}) into the Micrometer registry that camel-micrometer-prometheus scrapes at
 * {@code /observe/metrics}: once Camel has started, every bean of this process that is a {@link MeterBinder} binds
 * its meters, so each role publishes exactly the meters of the beans its route files declare. Without a registry
 * ({@code camel.metrics.enabled=false}) nothing is bound and /stats works as before. Camel Main adds a lifecycle
 * strategy it finds among the beans by itself.
 */
public class FoowebMetrics extends LifecycleStrategySupport {

    @Override
    public void onContextStarted(CamelContext context) {
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            context.getRegistry().findByType(MeterBinder.class).forEach(meters -> meters.bindTo(registry));
        }
    }
}
