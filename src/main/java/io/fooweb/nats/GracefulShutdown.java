package io.fooweb.nats;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Route;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Shuts down without losing work, before Camel stops the routes:
 * <ol>
 * <li>the HTTP routes stop taking requests and finish the ones in flight (each waits for its backend reply or its
 * timeout), so no in-flight request loses its reply inbox;</li>
 * <li>the NATS connection is drained: the server stops giving this process requests from the queue group, the
 * backend workers answer every request they already hold, and the connection closes.</li>
 * </ol>
 * Unsubscribing alone would drop the messages a worker holds; the original Go backend drained its connection for
 * exactly this reason. It follows only the context's lifecycle: once any notifier takes exchange events, Camel creates
 * and offers it several events per exchange, for every request.
 */
public class GracefulShutdown extends EventNotifierSupport {

    private final NatsConnector nats;
    private final Duration timeout;

    /** @param timeoutSeconds how long each of the two steps may take: camel.main.shutdownTimeout */
    public GracefulShutdown(NatsConnector nats, long timeoutSeconds) {
        this.nats = nats;
        this.timeout = Duration.ofSeconds(timeoutSeconds);
        setIgnoreExchangeEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) throws Exception {
        for (Route route : getCamelContext().getRoutes()) {
            if (route.getEndpoint() instanceof PlatformHttpEndpoint) {
                getCamelContext().getRouteController().stopRoute(route.getRouteId(), timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        nats.drainAndClose(timeout);
    }
}
