package io.fooweb.backend;

import io.fooweb.patch.camelmain.CountingRoutePolicy;
import io.fooweb.wire.FoowebException;

import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.Exchange;
import org.apache.camel.Route;

/**
 * The backend's request statistics for the NATS service API (see {@link NatsServiceDiscovery}): requests, errors,
 * total processing time and the last error, summed over all backend workers. It is the route policy of the
 * backend route, so the route carries no bookkeeping steps.
 * <p>
 * An error is a request the backend answers with a failure, that is one the backend-errors onException handled: a
 * refused name (400, 403), a missing file (404) or a failed read (500). ADR-32 counts every error a service reports to
 * its caller, and a refusal is reported like any other failure; {@code last_error} carries the status and code, so
 * refusals and faults can be told apart. Requests the web refuses itself never reach a backend and count nowhere here.
 * <p>
 * The time runs from when a worker takes the request until its reply is ready. fooweb's consumer publishes the reply only
 * after the route (and so this policy) is done, so whoever has the reply finds the request already counted.
 */
public class BackendStats implements CountingRoutePolicy, MeterBinder {

    /** Exchange property: System.nanoTime() when the backend took the request. */
    public static final String BEGAN_NANOS = "FoowebStatsBeganNanos";

    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder processingNanos = new LongAdder();
    private volatile String lastError = "";

    /** A consistent enough view for one STATS answer: errors never exceed requests. */
    public record Snapshot(long requests, long errors, String lastError, long processingNanos) {

        public long averageProcessingNanos() {
            return requests == 0 ? 0 : processingNanos / requests;
        }
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        exchange.setProperty(BEGAN_NANOS, System.nanoTime());
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        Long began = exchange.getProperty(BEGAN_NANOS, Long.class);
        if (began != null) {
            processingNanos.add(System.nanoTime() - began);
        }
        // requests before errors, and snapshot() reads them the other way round
        requests.increment();
        Throwable failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure != null) {
            // the same status and code the caller gets; an unexpected exception's own message stays in the log
            FoowebException reported = ReplyWriter.asFoowebException(failure);
            lastError = reported.getStatus() + " " + reported.getCode() + ": " + reported.getMessage();
            errors.increment();
        }
    }

    public Snapshot snapshot() {
        long errorCount = errors.sum();
        String last = lastError;
        long nanos = processingNanos.sum();
        return new Snapshot(requests.sum(), errorCount, last, nanos);
    }

    /** fooweb_backend_requests_total and fooweb_backend_errors_total, the counts the NATS service API reports too. */
    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("fooweb.backend.requests", this, s -> s.snapshot().requests())
                .description("Requests this backend answered (a file or a failure)").register(registry);
        FunctionCounter.builder("fooweb.backend.errors", this, s -> s.snapshot().errors())
                .description("Requests this backend answered with a failure (refused, missing, unreadable)").register(registry);
    }
}
