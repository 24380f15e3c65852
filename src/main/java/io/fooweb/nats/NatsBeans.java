package io.fooweb.nats;

import java.time.Duration;

import io.fooweb.nats.producer.FoowebNatsComponent;
import io.fooweb.nats.producer.HedgeSettings;
import io.fooweb.wire.Envelope;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.Registry;

/** What every role shares: the one NATS connection, its security, its header filter, readiness and the drain. */
@Configuration
public class NatsBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        int shutdownTimeout = Integer.parseInt(context.getPropertiesComponent().resolveProperty("camel.main.shutdownTimeout").orElse("10"));
        GracefulShutdown shutdown = new GracefulShutdown(() -> connector(context.getRegistry()), Duration.ofSeconds(shutdownTimeout));
        // it follows only the context's lifecycle: once any notifier takes exchange events, Camel creates and offers
        // it several events per exchange, for every request
        shutdown.setIgnoreExchangeEvents(true);
        shutdown.setIgnoreStepEvents(true);
        context.getManagementStrategy().addEventNotifier(shutdown);
        // create the connector while Camel starts, so that a setting it cannot use (credentials in a URL, an unreadable
        // .creds file, a wrong keystore password) stops every role at startup rather than when first used
        context.addStartupListener((camelContext, alreadyStarted) -> connector(camelContext.getRegistry()));
    }

    private static NatsConnector connector(Registry registry) {
        return registry.lookupByNameAndType("natsConnector", NatsConnector.class);
    }

    @BindToRegistry(value = "natsConnector", lazy = true, destroyMethod = "close")
    public NatsConnector natsConnector(
            @PropertyInject("fooweb.nats.servers") String servers,
            @PropertyInject("fooweb.nats.connection-name") String connectionName,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis,
            @PropertyInject("fooweb.nats.reconnect-wait") long reconnectWaitMillis,
            @PropertyInject("fooweb.nats.ping-interval") long pingIntervalMillis,
            @PropertyInject("fooweb.nats.max-pings-out") int maxPingsOut,
            @BeanInject("natsSecurity") NatsSecurity security) {
        return new NatsConnector(servers, connectionName, Duration.ofMillis(requestTimeoutMillis), Duration.ofMillis(reconnectWaitMillis),
                Duration.ofMillis(pingIntervalMillis), maxPingsOut, security);
    }

    /** Authentication and TLS of the NATS connection; every setting empty by default (not used). */
    @BindToRegistry(value = "natsSecurity", lazy = true)
    public NatsSecurity natsSecurity(
            @PropertyInject("fooweb.nats.token") String token,
            @PropertyInject("fooweb.nats.user") String user,
            @PropertyInject("fooweb.nats.password") String password,
            @PropertyInject("fooweb.nats.creds") String creds,
            @PropertyInject("fooweb.nats.tls.truststore") String truststore,
            @PropertyInject("fooweb.nats.tls.truststore-password") String truststorePassword,
            @PropertyInject("fooweb.nats.tls.keystore") String keystore,
            @PropertyInject("fooweb.nats.tls.keystore-password") String keystorePassword) {
        return new NatsSecurity(token, user, password, creds, truststore, truststorePassword, keystore, keystorePassword);
    }

    /** Only our own headers cross NATS, either way; never a Camel* header (CVE-2026-46457). */
    @BindToRegistry("natsHeaderFilter")
    public HeaderFilterStrategy natsHeaderFilter() {
        return new HeaderAllowList(Envelope.REQUEST_HEADER, Envelope.REQUEST_ID_HEADER, Envelope.TRACEPARENT_HEADER);
    }

    /** Readiness at /observe/health/ready on the management server: DOWN while NATS is not connected. */
    @BindToRegistry("natsHealthCheck")
    public NatsHealthCheck natsHealthCheck(Registry registry) {
        return new NatsHealthCheck(() -> connector(registry));
    }

    /**
     * The {@code nats} component of every route: camel-nats' consumer, fooweb's producer on the shared connection, and
     * only our own headers across; endpoints with {@code hedge=true} hedge as fooweb.nats.hedge.* says.
     */
    @BindToRegistry(value = "nats", lazy = true)
    public FoowebNatsComponent nats(Registry registry,
            @BeanInject("natsHeaderFilter") HeaderFilterStrategy headerFilter,
            @PropertyInject("fooweb.web.max-held-reply-bytes") long maxHeldReplyBytes,
            @PropertyInject("fooweb.nats.hedge.min-delay") long hedgeMinDelayMillis,
            @PropertyInject("fooweb.nats.hedge.max-delay") long hedgeMaxDelayMillis,
            @PropertyInject("fooweb.nats.hedge.p99-multiple") double hedgeP99Multiple,
            @PropertyInject("fooweb.nats.hedge.max-attempts") int hedgeMaxAttempts,
            @PropertyInject("fooweb.nats.hedge.budget-percent") double hedgeBudgetPercent,
            @PropertyInject("fooweb.nats.hedge.budget-min") int hedgeBudgetMin) {
        FoowebNatsComponent component = new FoowebNatsComponent(() -> connector(registry), maxHeldReplyBytes);
        component.setHeaderFilterStrategy(headerFilter);
        component.setHedgeSettings(new HedgeSettings(Duration.ofMillis(hedgeMinDelayMillis), Duration.ofMillis(hedgeMaxDelayMillis),
                hedgeP99Multiple, hedgeMaxAttempts, hedgeBudgetPercent, hedgeBudgetMin));
        return component;
    }

    @BindToRegistry(value = "natsConsumerErrors", lazy = true)
    public NatsConsumerErrors natsConsumerErrors(@BeanInject("natsConnector") NatsConnector nats) {
        return new NatsConsumerErrors(nats);
    }
}
