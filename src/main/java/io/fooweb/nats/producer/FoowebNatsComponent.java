package io.fooweb.nats.producer;

import io.fooweb.nats.NatsConnector;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.Endpoint;
import org.apache.camel.Producer;
import org.apache.camel.component.nats.NatsComponent;
import org.apache.camel.component.nats.NatsConfiguration;
import org.apache.camel.component.nats.NatsEndpoint;

/**
 * camel-nats' {@code nats} component with fooweb's producer: every {@code to: nats:...} in any route sends on the
 * process's shared connection ({@link NatsRequestProducer}); consumers stay camel-nats' own.
 * <p>
 * camel-nats 4.17.0's producer schedules a timeout task per InOut request that is never removed (a web capped at ~500
 * requests/s, each task holding its exchange for the whole timeout), ignores a requestTimeout above the connection's
 * cleanup interval, continues the route on jnats' single reply thread, and copies every Camel header onto the wire.
 * Later camel-nats releases fix only the header filter. The {@code @Component} annotation names the scheme, so Camel
 * finds camel-nats' generated option configurer for this subclass too.
 * <p>
 * One option of its own: {@code hedge=true} on an InOut endpoint sends a request that no reply answered within the
 * hedge delay once more ({@link NatsRequestProducer}, {@link HedgeSettings}).
 */
@org.apache.camel.spi.annotations.Component("nats")
public class FoowebNatsComponent extends NatsComponent {

    private final Supplier<NatsConnector> connector;
    private final HeldReplies heldReplies;
    private final HedgeCounts hedgeCounts = new HedgeCounts();
    private HedgeSettings hedgeSettings = HedgeSettings.DEFAULTS;

    /**
     * @param connector         the process's connection
     * @param maxHeldReplyBytes bytes of replies this process holds at once before it refuses one (503 busy)
     */
    public FoowebNatsComponent(NatsConnector connector, long maxHeldReplyBytes) {
        this(() -> connector, maxHeldReplyBytes);
    }

    /**
     * @param connector the process's connection, looked up when a producer is made: this component exists even where
     *                  the connection cannot be made, so that its settings' error stops the process rather than Camel
     *                  falling back to camel-nats' own component (which knows no {@code hedge} option)
     */
    public FoowebNatsComponent(Supplier<NatsConnector> connector, long maxHeldReplyBytes) {
        this.connector = connector;
        this.heldReplies = new HeldReplies(maxHeldReplyBytes);
    }

    /** Bytes of replies held now: counted when they arrive, released when their exchange is done. */
    public long heldReplyBytes() {
        return heldReplies.bytes();
    }

    /** How endpoints with {@code hedge=true} hedge (fooweb.nats.hedge.* in application.properties); set before routes start. */
    public void setHedgeSettings(HedgeSettings hedgeSettings) {
        this.hedgeSettings = hedgeSettings;
    }

    public HedgeSettings getHedgeSettings() {
        return hedgeSettings;
    }

    /** What hedging did on this component's endpoints: for /stats and fooweb_hedges_total. */
    public HedgeCounts hedgeCounts() {
        return hedgeCounts;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        // camel-nats' own body, with our endpoint class
        NatsConfiguration config = new NatsConfiguration();
        if (getHeaderFilterStrategy() != null) {
            config.setHeaderFilterStrategy(getHeaderFilterStrategy());
        }
        // fooweb's own option, not camel-nats': taken out before camel-nats' configurer sets the others
        boolean hedge = getAndRemoveParameter(parameters, "hedge", Boolean.class, false);
        config.setTopic(remaining);
        config.setServers(getServers());
        config.setVerbose(isVerbose());
        if (config.getSslContextParameters() == null) {
            config.setSslContextParameters(retrieveGlobalSslContextParameters());
        }
        NatsEndpoint endpoint = new SharedConnectionEndpoint(uri, this, config, hedge);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    private final class SharedConnectionEndpoint extends NatsEndpoint {

        private final boolean hedge;
        private HedgePolicy hedging;

        SharedConnectionEndpoint(String uri, NatsComponent component, NatsConfiguration configuration, boolean hedge) {
            super(uri, component, configuration);
            this.hedge = hedge;
        }

        @Override
        public Producer createProducer() {
            return new NatsRequestProducer(this, connector.get(), heldReplies, hedging());
        }

        /** One latency estimate and budget per endpoint, shared by its producers; null when it does not hedge. */
        private synchronized HedgePolicy hedging() {
            if (hedge && hedging == null && hedgeSettings.maxAttempts() > 1) {
                hedging = new HedgePolicy(hedgeSettings, hedgeCounts, System.nanoTime());
            }
            return hedging;
        }
    }
}
