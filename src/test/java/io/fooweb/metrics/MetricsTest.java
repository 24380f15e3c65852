package io.fooweb.metrics;

import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.Prometheus;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus text at the management server's /observe/metrics, both roles in one process, after real requests
 * through real HTTP and a real nats-server. Counters are compared before and after, since the readiness wait sends
 * requests of its own. The reply limit is small here so that a small file is cut.
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.backend.max-reply-bytes=1024")
class MetricsTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();
    Http management = env.management();

    @BeforeEach
    void serving() {
        env.awaitBackendServing();
    }

    @Test
    void requestsAreCountedAndTimedByStatus() throws Exception {
        long hello = Files.size(Path.of("data", "hello.txt"));
        Prometheus before = Prometheus.scrape(management);

        for (int i = 0; i < 3; i++) {
            assertEquals(200, http.postForm("hello.txt").statusCode());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(404, http.postForm(env.directory().resolve("missing-" + i).toString()).statusCode());
        }
        Prometheus after = Prometheus.scrape(management);

        assertEquals(3, delta(before, after, "fooweb_requests_total", "status", "200"), after.text());
        assertEquals(2, delta(before, after, "fooweb_requests_total", "status", "404"), after.text());
        // the latency histogram counts the same answers, each in a bucket
        assertEquals(3, delta(before, after, "fooweb_request_duration_seconds_count", "status", "200"), after.text());
        assertEquals(2, delta(before, after, "fooweb_request_duration_seconds_count", "status", "404"), after.text());
        assertEquals(3, delta(before, after, "fooweb_request_duration_seconds_bucket", "status", "200", "le", "+Inf"), after.text());
        assertEquals(3, delta(before, after, "fooweb_request_duration_seconds_bucket", "status", "200", "le", "5.0"), after.text());
        double seconds = after.value("fooweb_request_duration_seconds_sum", "status", "200")
                - before.value("fooweb_request_duration_seconds_sum", "status", "200");
        assertTrue(seconds > 0 && seconds < 3 * 2.0, after.text());
        // bytes of the files served, not of the JSON around them
        assertEquals(3 * hello, delta(before, after, "fooweb_served_bytes_total"), after.text());
        // the backend in this process counts what it answered, failures among them
        assertEquals(5, delta(before, after, "fooweb_backend_requests_total"), after.text());
        assertEquals(2, delta(before, after, "fooweb_backend_errors_total"), after.text());
        assertEquals(0, after.value("fooweb_requests_in_flight"), after.text());
    }

    @Test
    void theTextIsPrometheusFormatWithCamelsPerRouteMetersOff() {
        HttpResponse<String> response = management.get("/observe/metrics");

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), response.headers().toString());
        Prometheus metrics = new Prometheus(response.body());
        assertTrue(response.body().contains("# TYPE fooweb_requests_total counter"), response.body());
        assertTrue(response.body().contains("# TYPE fooweb_request_duration_seconds histogram"), response.body());
        assertTrue(metrics.has("jvm_memory_used_bytes"), "binders: " + response.body());
        // camel.metrics.enableRoutePolicy / enableExchangeEventNotifier / enableRouteEventNotifier are off
        assertFalse(metrics.hasAnyStartingWith("camel_exchanges"), response.body());
        assertFalse(metrics.hasAnyStartingWith("camel_route"), response.body());
        // /req stays on the API port, metrics on the management port
        assertEquals(404, http.get("/observe/metrics").statusCode());
    }

    @Test
    void aCutFileCountsAsATruncationAndOnlyTheBytesSentCount() {
        byte[] content = new byte[4096];
        Arrays.fill(content, (byte) 'x');
        Path file = env.file("large.txt", content);
        Prometheus before = Prometheus.scrape(management);
        long truncationsBefore = number(http.get("/stats"), "truncations");

        HttpResponse<String> response = http.postForm(file.toString());
        Prometheus after = Prometheus.scrape(management);

        assertEquals(true, Http.json(response).get("truncated"), response.body());
        assertEquals(1, delta(before, after, "fooweb_truncations_total"), after.text());
        assertEquals(1024, delta(before, after, "fooweb_served_bytes_total"), after.text());
        assertEquals(truncationsBefore + 1, number(http.get("/stats"), "truncations"));
    }

    @Test
    void natsConnectionGaugeFollowsTheConnectionAndReconnectsAreCounted() {
        Prometheus before = Prometheus.scrape(management);
        assertEquals(1, before.value("fooweb_nats_connected"), before.text());

        env.nats().stop();
        try {
            awaitGauge(0);
        } finally {
            env.nats().start();
        }
        Prometheus after = awaitGauge(1);

        assertTrue(delta(before, after, "fooweb_nats_reconnects_total") >= 1, after.text());
    }

    private Prometheus awaitGauge(double value) {
        return await("fooweb_nats_connected " + value).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> Prometheus.scrape(management), metrics -> metrics.value("fooweb_nats_connected") == value);
    }

    private static long delta(Prometheus before, Prometheus after, String name, String... labels) {
        return Math.round(after.value(name, labels) - before.value(name, labels));
    }

    private static long number(HttpResponse<String> stats, String field) {
        return ((Number) Http.json(stats).get(field)).longValue();
    }
}
