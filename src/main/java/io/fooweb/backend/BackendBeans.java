package io.fooweb.backend;

import io.fooweb.nats.NatsConnector;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/**
 * The beans of the backend's steps that use the NATS connection, which does not exist yet when Camel reads the YAML
 * beans. All are lazy: they are built when routes/backend.camel.yaml's workers resolve them, so a web builds none.
 */
@Configuration
public class BackendBeans {

    @BindToRegistry(value = "replyWriter", lazy = true)
    public ReplyWriter replyWriter(@BeanInject("natsConnector") NatsConnector nats) {
        return new ReplyWriter(nats);
    }

    @BindToRegistry(value = "replyBacklog", lazy = true)
    public ReplyBacklog replyBacklog(@BeanInject("natsConnector") NatsConnector nats,
            @PropertyInject("fooweb.backend.concurrency") int concurrency,
            @PropertyInject("fooweb.backend.max-reply-bytes") int maxReplyBytes,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis) {
        return new ReplyBacklog(nats, concurrency, maxReplyBytes, requestTimeoutMillis);
    }

    /** This backend's instance of the fooweb service in the NATS service API; BackendWorkers starts it. */
    @BindToRegistry(value = "natsServiceDiscovery", lazy = true)
    public NatsServiceDiscovery natsServiceDiscovery(
            @BeanInject("backendStats") BackendStats stats,
            @PropertyInject("fooweb.nats.subject") String subject,
            @PropertyInject("fooweb.nats.queue") String queue,
            @PropertyInject("fooweb.backend.concurrency") int concurrency) {
        return new NatsServiceDiscovery(stats, subject, queue, concurrency);
    }
}
