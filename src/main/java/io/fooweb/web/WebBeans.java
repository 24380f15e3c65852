package io.fooweb.web;

import io.fooweb.nats.NatsConnector;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/**
 * The beans of the web's steps that use the NATS connection, which does not exist yet when Camel reads the YAML
 * beans. All are lazy: they are built when routes/web.camel.yaml's routes resolve them, so a backend builds none.
 */
@Configuration
public class WebBeans {


    @BindToRegistry(value = "replyReader", lazy = true)
    public ReplyReader replyReader(@BeanInject("natsConnector") NatsConnector nats) {
        return new ReplyReader(nats);
    }

    /** GET /stats?scope=cluster, and this web's answers to the other webs' cluster requests once connected. */
    @BindToRegistry(value = "clusterStats", lazy = true)
    public ClusterStats clusterStats(
            @BeanInject("natsConnector") NatsConnector nats,
            @BeanInject("requestCounter") RequestCounter counter,
            @PropertyInject("fooweb.stats.cluster-deadline") long deadlineMillis) {
        return new ClusterStats(nats, counter, deadlineMillis);
    }
}
