package io.fooweb;

import java.net.InetAddress;
import java.time.Duration;

import io.vertx.core.VertxOptions;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.BindToRegistry;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;

/** The beans the routes call, built from application.properties, and the lifecycle hooks around them. */
@Configuration
public class FoowebBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        int concurrency = Integer.parseInt(properties.resolveProperty("fooweb.backend.concurrency").orElse("4"));
        int shutdownTimeout = Integer.parseInt(properties.resolveProperty("camel.main.shutdownTimeout").orElse("10"));
        context.addStartupListener(new HttpPortsBound());
        context.getManagementStrategy().addEventNotifier(new NatsStartup(concurrency));
        context.getManagementStrategy().addEventNotifier(
                new GracefulShutdown(() -> context.getRegistry().lookupByNameAndType("nats", NatsConnector.class),
                        Duration.ofSeconds(shutdownTimeout)));
    }

    @BindToRegistry(value = "nats", lazy = true, destroyMethod = "close")
    public NatsConnector nats(
            @PropertyInject("fooweb.nats.servers") String servers,
            @PropertyInject("fooweb.nats.connection-name") String connectionName,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis,
            @PropertyInject("fooweb.nats.reconnect-wait") long reconnectWaitMillis) {
        return new NatsConnector(servers, connectionName, Duration.ofMillis(requestTimeoutMillis), Duration.ofMillis(reconnectWaitMillis));
    }

    @BindToRegistry(value = "natsRequester", lazy = true)
    public NatsRequester natsRequester(
            @BeanInject("nats") NatsConnector nats,
            @PropertyInject("fooweb.nats.subject") String subject,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis) {
        return new NatsRequester(nats, subject, Duration.ofMillis(requestTimeoutMillis));
    }

    @BindToRegistry(value = "natsConsumerErrors", lazy = true)
    public NatsConsumerErrors natsConsumerErrors(@BeanInject("nats") NatsConnector nats) {
        return new NatsConsumerErrors(nats);
    }

    /** Readiness at /observe/health/ready on the management server: DOWN while NATS is not connected. */
    @BindToRegistry("natsHealthCheck")
    public NatsHealthCheck natsHealthCheck(Registry registry) {
        return new NatsHealthCheck(() -> registry.lookupByNameAndType("nats", NatsConnector.class));
    }

    /** Keeps /req and /stats on camel.server.port now that the management server has a port of its own. */
    @BindToRegistry(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    public MainServerHttpEngine platformHttpEngine() {
        return new MainServerHttpEngine();
    }

    @BindToRegistry("natsHeaderFilter")
    public HeaderFilterStrategy natsHeaderFilter() {
        return new HeaderAllowList(ReplyEnvelope.REQUEST_HEADER);
    }

    /**
     * platform-http runs each request on a Vert.x worker thread that waits for the backend's reply, so the worker pool
     * (Vert.x default: 20) caps how many requests a web serves at once.
     */
    @BindToRegistry("vertxOptions")
    public VertxOptions vertxOptions(@PropertyInject("fooweb.web.worker-threads") int workerThreads) {
        return new VertxOptions().setWorkerPoolSize(workerThreads);
    }

    @BindToRegistry("requestCounter")
    public RequestCounter requestCounter() {
        return new RequestCounter();
    }

    @BindToRegistry("filenameRequest")
    public FilenameRequest filenameRequest(@PropertyInject("fooweb.web.default-filename") String defaultFilename) {
        return new FilenameRequest(defaultFilename);
    }

    @BindToRegistry(value = "fileReader", lazy = true)
    public ConfinedFileReader fileReader(
            @PropertyInject("fooweb.backend.roots") String roots,
            @PropertyInject("fooweb.backend.max-reply-bytes") int maxReplyBytes) {
        return new ConfinedFileReader(roots, maxReplyBytes);
    }

    @BindToRegistry(value = "replyEnvelope", lazy = true)
    public ReplyEnvelope replyEnvelope(@BeanInject("nats") NatsConnector nats) throws Exception {
        return new ReplyEnvelope(nats, InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid());
    }
}
