package io.fooweb.web;

import io.fooweb.metrics.FoowebMetrics;
import io.fooweb.nats.FoowebNatsComponent;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;

/**
 * Once Camel has started, this web publishes its request meters (with the nats component's hedge counts) and answers the other webs' cluster statistics requests ({@link ClusterStats}). The
 * one bean routes/web.camel.yaml declares itself: nothing refers to it, and it must exist exactly where the web's
 * routes do.
 */
public class WebStartup implements CamelContextAware, StartupListener {

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * The bean's init method. Camel Main reads the YAML beans twice (a pre-parse, then the load), so only the instance
     * the registry ended up with acts.
     */
    public void start() throws Exception {
        camelContext.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (alreadyStarted || context.getRegistry().findByType(WebStartup.class).stream().noneMatch(bound -> bound == this)) {
            return;
        }
        RequestCounter counter = context.getRegistry().lookupByNameAndType("requestCounter", RequestCounter.class);
        if (context.getComponent("nats") instanceof FoowebNatsComponent nats) {
            counter.countHedges(nats.hedgeCounts());
        }
        FoowebMetrics.bind(context, counter);
        context.getRegistry().lookupByNameAndType("clusterStats", ClusterStats.class).start();
    }
}
