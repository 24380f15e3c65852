package io.fooweb.web;

import io.fooweb.fixture.AnotherFooweb;
import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.Prometheus;
import org.apache.camel.main.Main;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /stats?scope=cluster over a deployment of two webs and two backends on one nats-server: this process (both
 * roles), and a second backend and a second web as more Camel Mains in this JVM, each with its own Camel context,
 * NATS connection and ports, like other processes.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class ClusterStatsTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();
    Main secondBackend;
    Main secondWeb;
    Http otherWeb;
    Http secondBackendManagement = new Http(FreePort.next());
    Http secondWebManagement = new Http(FreePort.next());

    @BeforeEach
    void deployment() {
        env.awaitBackendServing();
        secondBackend = AnotherFooweb.start("backend", 0, secondBackendManagement.port());
        int port = FreePort.next();
        secondWeb = AnotherFooweb.start("web", port, secondWebManagement.port());
        otherWeb = new Http(port);
        await("two webs and two backends answer").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Map<String, Object> cluster = cluster(http.get("/stats?scope=cluster"));
                    return list(cluster, "webs").size() == 2 && list(cluster, "backends").size() == 2;
                });
    }

    @AfterEach
    void stop() {
        secondWeb.stop();
        secondBackend.stop();
    }

    @Test
    void oneCallShowsEveryWebAndBackendWithTotalsThatAreTheirSums() {
        for (int i = 0; i < 4; i++) {
            assertEquals(200, http.postForm("hello.txt").statusCode());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(200, otherWeb.postForm("/etc/hostname").statusCode());
        }
        assertEquals(404, otherWeb.postForm(env.directory().resolve("missing").toString()).statusCode());
        assertEquals(403, http.postForm("/etc/passwd").statusCode());
        Map<String, Object> thisWeb = Http.json(http.get("/stats"));
        Map<String, Object> secondWebs = Http.json(otherWeb.get("/stats"));

        HttpResponse<String> response = http.get("/stats?scope=cluster");

        assertEquals(200, response.statusCode(), response.body());
        Map<String, Object> stats = Http.json(response);
        // this web's own figures stay at the top, as in /stats
        assertEquals(thisWeb.get("req_counter"), stats.get("req_counter"), response.body());
        assertEquals(thisWeb.get("errors"), stats.get("errors"), response.body());
        Map<String, Object> cluster = cluster(response);
        assertEquals(true, cluster.get("available"), response.body());

        List<Map<String, Object>> webs = list(cluster, "webs");
        assertEquals(2, webs.size(), response.body());
        Map<String, Object> self = webs.stream().filter(w -> w.get("id").equals(cluster.get("this_web"))).findFirst().orElseThrow();
        Map<String, Object> other = webs.stream().filter(w -> w != self).findFirst().orElseThrow();
        assertEquals(thisWeb.get("req_counter"), self.get("req_counter"), response.body());
        assertEquals(secondWebs.get("req_counter"), other.get("req_counter"), response.body());
        assertEquals(secondWebs.get("errors"), other.get("errors"), response.body());
        assertEquals(Map.of("404", 1), other.get("errors"), response.body());

        List<Map<String, Object>> backends = list(cluster, "backends");
        assertEquals(2, backends.size(), response.body());
        assertEquals(2, backends.stream().map(b -> b.get("id")).collect(Collectors.toSet()).size(), response.body());
        // both backends run in this JVM: host:pid is the same, the service ids differ
        assertEquals(Set.of(ProcessHandle.current().pid()),
                backends.stream().map(b -> Long.parseLong(((String) b.get("backend")).replaceAll(".*:", ""))).collect(Collectors.toSet()));

        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) cluster.get("totals");
        assertEquals(2, number(totals, "webs"));
        assertEquals(2, number(totals, "backends"));
        assertEquals(number(thisWeb, "req_counter") + number(secondWebs, "req_counter"), number(totals, "req_counter"), response.body());
        for (String figure : List.of("req_counter", "timeouts", "no_responders", "bytes_served", "truncations")) {
            assertEquals(webs.stream().mapToLong(w -> number(w, figure)).sum(), number(totals, figure), figure + ": " + response.body());
        }
        Map<String, Long> errors = new HashMap<>();
        for (Map<String, Object> web : webs) {
            @SuppressWarnings("unchecked")
            Map<String, Object> byStatus = (Map<String, Object>) web.get("errors");
            byStatus.forEach((status, count) -> errors.merge(status, ((Number) count).longValue(), Long::sum));
        }
        assertEquals(errors, longs(totals.get("errors")), response.body());
        assertTrue(errors.containsKey("403") && errors.containsKey("404"), response.body());
        assertEquals(backends.stream().mapToLong(b -> number(b, "num_requests")).sum(), number(totals, "backend_requests"), response.body());
        assertEquals(backends.stream().mapToLong(b -> number(b, "num_errors")).sum(), number(totals, "backend_errors"), response.body());
        // every request that reached NATS was answered by one of the two backends
        assertTrue(number(totals, "backend_requests") >= number(totals, "req_counter") + 2, response.body());
    }

    @Test
    void aStoppedBackendIsNoLongerListed() {
        secondBackend.stop();

        Map<String, Object> cluster = cluster(http.get("/stats?scope=cluster"));

        assertEquals(1, list(cluster, "backends").size(), cluster.toString());
        assertEquals(2, list(cluster, "webs").size(), cluster.toString());
    }

    @Test
    void eachRoleExportsItsOwnMeters() {
        assertEquals(200, otherWeb.postForm("/etc/hostname").statusCode());

        Prometheus backend = Prometheus.scrape(secondBackendManagement);
        Prometheus web = Prometheus.scrape(secondWebManagement);
        Prometheus both = Prometheus.scrape(env.management());

        for (Prometheus metrics : List.of(backend, web, both)) {
            assertEquals(1, metrics.value("fooweb_nats_connected"), metrics.text());
        }
        assertTrue(backend.has("fooweb_backend_requests_total") && !backend.hasAnyStartingWith("fooweb_request"), backend.text());
        assertTrue(web.has("fooweb_requests_total") && !web.hasAnyStartingWith("fooweb_backend"), web.text());
        assertEquals(1, web.value("fooweb_requests_total", "status", "200"), web.text());
        assertTrue(both.has("fooweb_requests_total") && both.has("fooweb_backend_requests_total"), both.text());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cluster(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return (Map<String, Object>) Http.json(response).get("cluster");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> cluster, String name) {
        return (List<Map<String, Object>>) cluster.getOrDefault(name, List.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> longs(Object map) {
        Map<String, Long> values = new HashMap<>();
        ((Map<String, Object>) map).forEach((key, value) -> values.put(key, ((Number) value).longValue()));
        return values;
    }

    private static long number(Map<String, Object> figures, String name) {
        return ((Number) figures.get(name)).longValue();
    }
}
