package io.fooweb.web;

import io.fooweb.RoleStartup;
import io.fooweb.metrics.FoowebMetrics;
import io.fooweb.nats.producer.FoowebNatsComponent;
import org.apache.camel.CamelContext;

/**
 * Once Camel has started, this web publishes its request meters (with the nats component's hedge counts) and answers
 * the other webs' cluster statistics.
 */
public class WebStartup extends RoleStartup {

    @Override
    protected void started(CamelContext context) {
        RequestCounter counter = context.getRegistry().lookupByNameAndType("requestCounter", RequestCounter.class);
        if (context.getComponent("nats") instanceof FoowebNatsComponent nats) {
            counter.countHedges(nats.hedgeCounts());
        }
        FoowebMetrics.bind(context, counter);
        context.getRegistry().lookupByNameAndType("clusterStats", ClusterStats.class).start();
    }
}
