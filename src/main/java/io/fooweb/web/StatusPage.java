package io.fooweb.web;

import io.fooweb.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.steering.LiveBackends;
import io.vertx.ext.web.Route;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * A live status page for whoever has no Grafana, on the management server: {@code /observe/status}, one HTML page
 * with no external assets, which every few seconds reads {@code /observe/status.json}: this web's request rate,
 * status mix, p50/p99 and hedges over the last minutes, and its live backends and their load.
 * <p>
 * Every {@code sampleSeconds} it reads the web's counters (RequestCounter's totals, the hedge counts, the live set);
 * nothing is added to a request's work. Only where the web's routes run: a backend has no page. Camel Main adds a
 * lifecycle strategy it finds among the beans by itself; the page's routes are added to the management server's
 * router once Camel has started.
 */
public class StatusPage extends LifecycleStrategySupport {

    static final String PATH = "/observe/status";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int sampleSeconds;
    private final int samples;
    private final Deque<Map<String, Object>> history = new ArrayDeque<>();
    private RequestCounter counter;
    private HedgeCounts hedges;
    private LiveBackends backends;
    private RequestCounter.Totals last;
    private long lastHedgesSent;
    private long lastHedgesWon;
    private long lastHedgesDenied;
    private ScheduledExecutorService sampler;
    private final List<Route> routes = new ArrayList<>();

    /**
     * @param sampleSeconds seconds between samples (fooweb.status.sample-seconds)
     * @param minutes       how far back the page looks (fooweb.status.minutes)
     */
    public StatusPage(int sampleSeconds, int minutes) {
        this.sampleSeconds = sampleSeconds;
        this.samples = Math.max(2, minutes * 60 / sampleSeconds);
    }

    @Override
    public void onContextStarted(CamelContext context) {
        counter = context.getRegistry().findSingleByType(RequestCounter.class);
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        if (counter == null || management == null || management.getRouter() == null) {
            return;
        }
        hedges = context.getRegistry().findSingleByType(HedgeCounts.class);
        backends = context.getRegistry().findSingleByType(LiveBackends.class);
        byte[] page = page();
        routes.add(management.getRouter().route(PATH).handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-store")
                .end(io.vertx.core.buffer.Buffer.buffer(page))));
        routes.add(management.getRouter().route(PATH + ".json").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(io.vertx.core.buffer.Buffer.buffer(json()))));
        sampler = DaemonThreads.scheduler("fooweb-status-page");
        sample();
        sampler.scheduleAtFixedRate(this::sample, sampleSeconds, sampleSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void onContextStopped(CamelContext context) {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
        routes.forEach(Route::remove);
        routes.clear();
    }

    /** One sample: what changed since the one before, per second. */
    synchronized void sample() {
        RequestCounter.Totals now = counter.totals();
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("t", System.currentTimeMillis());
        if (last != null) {
            Map<String, Double> status = new LinkedHashMap<>();
            long answers = 0;
            for (Map.Entry<Integer, Long> entry : now.byStatus().entrySet()) {
                long delta = entry.getValue() - last.byStatus().getOrDefault(entry.getKey(), 0L);
                answers += delta;
                if (delta > 0) {
                    status.merge(entry.getKey() / 100 + "xx", (double) delta / sampleSeconds, Double::sum);
                }
            }
            long[] latency = new long[now.byLatency().length];
            for (int i = 0; i < latency.length; i++) {
                latency[i] = now.byLatency()[i] - last.byLatency()[i];
            }
            sample.put("rate", (double) answers / sampleSeconds);
            sample.put("status", status);
            sample.put("p50_ms", quantileMillis(latency, 0.50));
            sample.put("p99_ms", quantileMillis(latency, 0.99));
            if (hedges != null) {
                Map<String, Double> hedged = new LinkedHashMap<>();
                hedged.put("sent", (double) (hedges.sent() - lastHedgesSent) / sampleSeconds);
                hedged.put("won", (double) (hedges.won() - lastHedgesWon) / sampleSeconds);
                hedged.put("denied", (double) (hedges.denied() - lastHedgesDenied) / sampleSeconds);
                sample.put("hedges", hedged);
            }
            history.addLast(sample);
            while (history.size() > samples) {
                history.removeFirst();
            }
        }
        last = now;
        if (hedges != null) {
            lastHedgesSent = hedges.sent();
            lastHedgesWon = hedges.won();
            lastHedgesDenied = hedges.denied();
        }
    }

    /** The upper bound of the latency bucket holding the quantile, in milliseconds; null without answers. */
    private static Double quantileMillis(long[] buckets, double quantile) {
        long total = 0;
        for (long count : buckets) {
            total += count;
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return i < RequestCounter.LATENCY_BUCKETS.length ? (double) RequestCounter.LATENCY_BUCKETS[i].toMillis() : null;
            }
        }
        return null;
    }

    private synchronized byte[] json() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("sample_seconds", sampleSeconds);
        answer.put("samples", new ArrayList<>(history));
        answer.put("stats", counter.stats());
        if (backends != null) {
            answer.put("backends", backends.stats());
        }
        try {
            return JSON.writeValueAsBytes(answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] page() {
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("The status page's HTML is missing from the jar", e);
        }
    }
}
