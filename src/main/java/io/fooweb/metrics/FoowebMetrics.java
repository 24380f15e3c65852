package io.fooweb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;

/**
 * Puts fooweb's own meters ({@code fooweb_*}) into the Micrometer registry that camel-micrometer-prometheus scrapes at
 * {@code /observe/metrics}: once Camel has started, every bean of this process that is a {@link MeterBinder} binds
 * its meters, so each role publishes exactly the meters of the beans its route files declare. Without a registry
 * ({@code camel.metrics.enabled=false}) nothing is bound and /stats works as before.
 */
public class FoowebMetrics implements CamelContextAware, StartupListener {

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The bean's init method: Camel calls startup listeners it is given, not those in its registry. */
    public void start() throws Exception {
        camelContext.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (alreadyStarted) {
            return;
        }
        MeterRegistry registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            context.getRegistry().findByType(MeterBinder.class).forEach(meters -> meters.bindTo(registry));
        }
    }
}
