package io.fooweb.patch.camelnats;

import java.time.Duration;
import java.util.Map;

import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.hedge.HedgePolicy;
import io.fooweb.nats.hedge.HedgeSettings;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.component.nats.NatsComponent;
import org.apache.camel.component.nats.NatsConfiguration;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * camel-nats' {@code nats} component with fooweb's producer and consumer on the process's shared connection: every
 * {@code to: nats:...} sends through {@link NatsRequestProducer}, every {@code from: nats:...} consumes through
 * {@link QueueConsumer}. camel-nats' endpoint options are kept (the URI, {@code queueName}, {@code requestTimeout},
 * {@code exchangePattern}, ...), plus fooweb's: {@code hedge=true} on an InOut endpoint hedges its requests
 * ({@link HedgePolicy}) as its {@code hedgeMinDelay}, {@code hedgeMaxDelay}, {@code hedgeP99Multiple},
 * {@code hedgeMaxAttempts}, {@code hedgeBudgetPercent} and {@code hedgeBudgetMin} say ({@link HedgeSettings}),
 * {@code concurrency} is how many messages a consumer handles at once on threads that may block, {@code inline}
 * names a {@link NonBlocking} bean whose work the consumer may do on jnats' reader thread ({@link QueueConsumer}),
 * {@code addressable} an {@link Addressable} bean whose subject the consumer also serves, and {@code balance} a
 * {@link Balancer} bean that picks where each send of a request goes, and {@code tracer} a {@link SendTracer} bean that
 * makes each send's span.
 * <p>
 * The {@code @Component} annotation names the scheme, so Camel finds camel-nats' generated option configurer for this
 * subclass too.
 */
@org.apache.camel.spi.annotations.Component("nats")
public class FoowebNatsComponent extends NatsComponent {

    private final NatsConnector connector;
    private final HeldReplies heldReplies;
    private final HedgeCounts hedgeCounts;
    private HedgeSettings hedgeSettings = HedgeSettings.DEFAULTS;

    /**
     * @param connector    the process's connection
     * @param heldReplies  the process's limit on reply bytes held at once
     * @param hedgeCounts  what hedging did, for /stats and fooweb_hedges_total
     * @param headerFilter which headers cross between Camel and NATS, either way (none filtered when null)
     */
    public FoowebNatsComponent(NatsConnector connector, HeldReplies heldReplies, HedgeCounts hedgeCounts, HeaderFilterStrategy headerFilter) {
        this.connector = connector;
        this.heldReplies = heldReplies;
        this.hedgeCounts = hedgeCounts;
        setHeaderFilterStrategy(headerFilter);
    }

    /** What hedging did on this component's endpoints. */
    public HedgeCounts hedgeCounts() {
        return hedgeCounts;
    }

    /** Bytes of replies held now: counted when they arrive, released when their exchange is done. */
    public long heldReplyBytes() {
        return heldReplies.bytes();
    }

    /** How endpoints with {@code hedge=true} hedge where their own hedge* options do not say. */
    public void setHedgeSettings(HedgeSettings hedgeSettings) {
        this.hedgeSettings = hedgeSettings;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        // camel-nats' own body, with our endpoint class
        NatsConfiguration config = new NatsConfiguration();
        if (getHeaderFilterStrategy() != null) {
            config.setHeaderFilterStrategy(getHeaderFilterStrategy());
        }
        // fooweb's own options, not camel-nats': taken out before camel-nats' configurer sets the others
        boolean hedge = getAndRemoveParameter(parameters, "hedge", Boolean.class, false);
        HedgeSettings hedging = hedgeSettings(parameters);
        int concurrency = getAndRemoveParameter(parameters, "concurrency", Integer.class, 1);
        NonBlocking inline = resolveAndRemoveReferenceParameter(parameters, "inline", NonBlocking.class);
        Balancer balance = resolveAndRemoveReferenceParameter(parameters, "balance", Balancer.class);
        Addressable addressable = resolveAndRemoveReferenceParameter(parameters, "addressable", Addressable.class);
        SendTracer tracer = resolveAndRemoveReferenceParameter(parameters, "tracer", SendTracer.class);
        config.setTopic(remaining);
        NatsEndpoint endpoint = new SharedConnectionEndpoint(uri, this, config, hedge ? hedging : null, concurrency, inline, balance,
                addressable, tracer);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** The endpoint's hedge* options (HedgeSettings' fields; delays in milliseconds) over the component's settings. */
    private HedgeSettings hedgeSettings(Map<String, Object> parameters) {
        HedgeSettings base = hedgeSettings;
        return new HedgeSettings(
                Duration.ofMillis(getAndRemoveParameter(parameters, "hedgeMinDelay", Long.class, base.minDelay().toMillis())),
                Duration.ofMillis(getAndRemoveParameter(parameters, "hedgeMaxDelay", Long.class, base.maxDelay().toMillis())),
                getAndRemoveParameter(parameters, "hedgeP99Multiple", Double.class, base.p99Multiple()),
                getAndRemoveParameter(parameters, "hedgeMaxAttempts", Integer.class, base.maxAttempts()),
                getAndRemoveParameter(parameters, "hedgeBudgetPercent", Double.class, base.budgetPercent()),
                getAndRemoveParameter(parameters, "hedgeBudgetMin", Integer.class, base.budgetMin()));
    }

    private final class SharedConnectionEndpoint extends NatsEndpoint {

        private final HedgeSettings hedgeSettings;
        private final int concurrency;
        private final NonBlocking inline;
        private final Balancer balance;
        private final Addressable addressable;
        private final SendTracer tracer;
        private HedgePolicy hedging;

        /** @param hedgeSettings how its requests hedge; null: they do not */
        SharedConnectionEndpoint(String uri, NatsComponent component, NatsConfiguration configuration, HedgeSettings hedgeSettings,
                int concurrency, NonBlocking inline, Balancer balance, Addressable addressable, SendTracer tracer) {
            super(uri, component, configuration);
            this.hedgeSettings = hedgeSettings;
            this.concurrency = concurrency;
            this.inline = inline;
            this.balance = balance;
            this.addressable = addressable;
            this.tracer = tracer;
        }

        @Override
        public Producer createProducer() {
            return new NatsRequestProducer(this, connector, heldReplies, hedging(), balance, tracer);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            QueueConsumer consumer = new QueueConsumer(this, processor, connector, concurrency, inline, addressable);
            configureConsumer(consumer);
            return consumer;
        }

        /** One latency estimate and budget per endpoint, shared by its producers; null when it does not hedge. */
        private synchronized HedgePolicy hedging() {
            if (hedgeSettings != null && hedging == null && hedgeSettings.maxAttempts() > 1) {
                hedging = new HedgePolicy(hedgeSettings, hedgeCounts, System.nanoTime());
            }
            return hedging;
        }
    }
}
