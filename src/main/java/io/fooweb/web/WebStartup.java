package io.fooweb.web;

import io.fooweb.RoleStartup;
import io.fooweb.metrics.FoowebMetrics;
import org.apache.camel.CamelContext;

/** Once Camel has started, this web publishes its request meters and answers the other webs' cluster statistics. */
public class WebStartup extends RoleStartup {

    @Override
    protected void started(CamelContext context) {
        FoowebMetrics.bind(context, context.getRegistry().lookupByNameAndType("requestCounter", RequestCounter.class));
        context.getRegistry().lookupByNameAndType("clusterStats", ClusterStats.class).start();
    }
}
