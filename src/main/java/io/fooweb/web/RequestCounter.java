package io.fooweb.web;

import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.steering.LiveBackends;
import io.fooweb.patch.camelmain.CountingRoutePolicy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.camel.Exchange;
import org.apache.camel.Route;

/**
 * The web's record of its {@code /req} answers, behind both {@code GET /stats} and the {@code fooweb_*} metrics at
 * {@code /observe/metrics}: one place counts, the two views read.
 * <ul>
 * <li>{@link #increment} (a step of the req route, right after a backend's successful reply) counts successful
 * answers: {@code req_counter}, exact under concurrency (the original's plain int lost increments).</li>
 * <li>As the req route's policy it records every answer's outcome when the exchange is done: the status the client
 * gets ({@code CamelHttpResponseCode}, 200 when the route set none), the time the route took, and for a success the
 * file bytes served and whether they were cut at the reply limit.</li>
 * </ul>
 * Camel 4.17.0 calls a policy's onExchangeDone as the route finishes, and platform-http writes the response only
 * after that, so a client that has its answer finds it counted.
 * Per request that is a few LongAdder additions and, once {@link #bindTo} gave it a registry, one counter increment
 * and one timer record; the meters of a status are created once and then reused.
 */
public class RequestCounter implements CountingRoutePolicy, MeterBinder {

    /** The upper bounds of the latency histogram's buckets; 1 s and 2.5 s lie either side of the default request timeout (2 s). */
    static final Duration[] LATENCY_BUCKETS = { Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5) };

    /** Exchange property: System.nanoTime() when the request began. */
    public static final String BEGAN_NANOS = "FoowebRequestBeganNanos";
    private static final String REPLY = "FoowebReply";

    private final LongAdder successes = new LongAdder();
    private final ConcurrentMap<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
    private final LongAdder noResponders = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final LongAdder bytesServed = new LongAdder();
    private final LongAdder truncations = new LongAdder();
    private final long startedNanos = System.nanoTime();
    private final HedgeCounts hedges;
    private final LiveBackends backends;
    private volatile MeterRegistry meters;

    /** The answers of one status: counted here, and in the registry once there is one. */
    private static final class Outcome {
        final LongAdder count = new LongAdder();
        volatile Counter counter;
        volatile Timer latency;
    }

    /** Counts one successful answer (req_counter); the route calls it with the backend's reply as the body. */
    public void increment(Exchange exchange) {
        successes.increment();
        if (exchange.getMessage().getBody() instanceof Reply reply) {
            exchange.setProperty(REPLY, reply);
        }
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        inFlight.incrementAndGet();
        exchange.setProperty(BEGAN_NANOS, System.nanoTime());
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        Long began = exchange.getProperty(BEGAN_NANOS, Long.class);
        long nanos = began == null ? 0 : System.nanoTime() - began;
        // an exception the route did not handle is answered 500 by platform-http (web-errors handles them all)
        int status = exchange.isFailed() ? 500 : exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        if (status == 200 && exchange.getProperty(REPLY) instanceof Reply reply) {
            bytesServed.add(reply.length());
            if (reply.truncated()) {
                truncations.increment();
            }
        }
        if (status == 503 && "no_backend".equals(exchange.getVariable("error", String.class))) {
            noResponders.increment();
        }
        Outcome outcome = outcomes.computeIfAbsent(status, s -> new Outcome());
        outcome.count.increment();
        MeterRegistry registry = meters;
        if (registry != null) {
            if (outcome.latency == null) {
                createMeters(registry, status, outcome);
            }
            outcome.counter.increment();
            outcome.latency.record(nanos, TimeUnit.NANOSECONDS);
        }
        inFlight.decrementAndGet();
    }

    /**
     * @param hedges   what the req route's hedged NATS step did (the nats component's counts): in /stats and fooweb_hedges_total
     * @param backends the backends that step steers to: in /stats
     */
    public RequestCounter(HedgeCounts hedges, LiveBackends backends) {
        this.hedges = hedges;
        this.backends = backends;
    }

    /** Answers so far by status, and by latency bucket (upper bounds {@link #LATENCY_BUCKETS}, then the rest). */
    public record Totals(Map<Integer, Long> byStatus, long[] byLatency) {
    }

    /** What the status page samples: counts read, nothing recorded for it per request. */
    public Totals totals() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        long[] byLatency = new long[LATENCY_BUCKETS.length + 1];
        outcomes.forEach((status, outcome) -> {
            byStatus.put(status, outcome.count.sum());
            Timer latency = outcome.latency;
            if (latency != null) {
                double previous = 0;
                io.micrometer.core.instrument.distribution.CountAtBucket[] buckets = latency.takeSnapshot().histogramCounts();
                for (int i = 0; i < buckets.length && i < LATENCY_BUCKETS.length; i++) {
                    byLatency[i] += (long) (buckets[i].count() - previous);
                    previous = buckets[i].count();
                }
                byLatency[LATENCY_BUCKETS.length] += Math.max(0, latency.count() - (long) previous);
            }
        });
        return new Totals(byStatus, byLatency);
    }

    /** This web's figures for GET /stats. */
    public Map<String, Object> stats() {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("req_counter", successes.sum());
        Map<String, Long> errors = new TreeMap<>();
        outcomes.forEach((status, outcome) -> {
            if (status >= 400) {
                errors.put(String.valueOf(status), outcome.count.sum());
            }
        });
        stats.put("errors", errors);
        stats.put("timeouts", errors.getOrDefault("504", 0L));
        stats.put("no_responders", noResponders.sum());
        stats.put("in_flight", inFlight.get());
        stats.put("bytes_served", bytesServed.sum());
        stats.put("truncations", truncations.sum());
        HedgeCounts hedged = hedges;
        if (hedged != null) {
            Map<String, Long> outcomes = new LinkedHashMap<>();
            outcomes.put("sent", hedged.sent());
            outcomes.put("won", hedged.won());
            outcomes.put("lost", hedged.lost());
            outcomes.put("denied", hedged.denied());
            stats.put("hedges", outcomes);
        }
        if (backends != null) {
            stats.put("backends", backends.stats());
        }
        stats.put("uptime_seconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
        return stats;
    }

    /**
     * Publishes the figures as fooweb_* meters: fooweb_requests_total and the fooweb_request_duration_seconds histogram
     * by status, fooweb_requests_in_flight, fooweb_served_bytes_total, fooweb_truncations_total and
     * fooweb_hedges_total by outcome.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("fooweb.requests.in.flight", inFlight, AtomicLong::get)
                .description("POST /req requests being answered").strongReference(true).register(registry);
        FunctionCounter.builder("fooweb.served.bytes", bytesServed, LongAdder::sum)
                .description("File bytes in successful /req answers (before JSON encoding)").register(registry);
        FunctionCounter.builder("fooweb.truncations", truncations, LongAdder::sum)
                .description("Successful /req answers cut at the reply limit").register(registry);
        HedgeCounts hedged = hedges;
        if (hedged != null) {
            hedgeMeter(registry, hedged, "sent", HedgeCounts::sent);
            hedgeMeter(registry, hedged, "won", HedgeCounts::won);
            hedgeMeter(registry, hedged, "lost", HedgeCounts::lost);
            hedgeMeter(registry, hedged, "denied", HedgeCounts::denied);
        }
        outcomes.forEach((status, outcome) -> createMeters(registry, status, outcome));
        meters = registry;
    }

    private static void hedgeMeter(MeterRegistry registry, HedgeCounts hedged, String outcome, ToDoubleFunction<HedgeCounts> count) {
        FunctionCounter.builder("fooweb.hedges", hedged, count)
                .description("Hedges of POST /req's NATS request: sent, won (a hedge answered first), lost (the first send did),"
                        + " denied (over the budget)")
                .tag("outcome", outcome).register(registry);
    }

    private static void createMeters(MeterRegistry registry, int status, Outcome outcome) {
        // registering the same name and tags again returns the existing meter, so a race here creates nothing twice
        String tag = String.valueOf(status);
        outcome.counter = Counter.builder("fooweb.requests").description("POST /req answers by HTTP status")
                .tag("status", tag).register(registry);
        outcome.latency = Timer.builder("fooweb.request.duration").description("Time to answer POST /req, by HTTP status")
                .tag("status", tag).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }
}
