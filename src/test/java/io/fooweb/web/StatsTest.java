package io.fooweb.web;

import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /stats of the web role alone; the test plays the backends (answering in our envelope format, staying silent,
 * or absent), so every status a web can answer is at hand. Figures are compared before and after.
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.role=web")
class StatsTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();
    Connection client;

    @BeforeEach
    void connect() throws Exception {
        client = Nats.connect(env.nats().url());
        env.awaitWebConnectedWithoutBackend();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
    }

    /**
     * A backend in our envelope format: "/ok..." is served (the name's bytes as content), "/missing..." is 404,
     * "/denied..." is 403, "/cut..." is served cut at 3 bytes of 5000.
     */
    private Dispatcher backend() throws Exception {
        Dispatcher backend = client.createDispatcher(message -> {
            String name = new String(message.getData(), StandardCharsets.UTF_8);
            String reply;
            if (name.startsWith("/missing")) {
                reply = "FOOWEB/1 {\"status\":404,\"error\":\"not_found\",\"message\":\"No such file\"}\n";
            } else if (name.startsWith("/denied")) {
                reply = "FOOWEB/1 {\"status\":403,\"error\":\"outside_roots\",\"message\":\"Outside the roots\"}\n";
            } else if (name.startsWith("/cut")) {
                reply = "FOOWEB/1 {\"status\":200,\"size\":5000,\"truncated\":true}\nabc";
            } else {
                reply = "FOOWEB/1 {\"status\":200,\"size\":" + name.length() + ",\"truncated\":false}\n" + name;
            }
            client.publish(message.getReplyTo(), reply.getBytes(StandardCharsets.UTF_8));
        });
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        return backend;
    }

    @Test
    void errorsByStatusAreExactAfterConcurrentRequests() throws Exception {
        backend();
        Map<String, Object> before = Http.json(http.get("/stats"));
        int each = 60;
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            calls.add(() -> http.postForm("/ok").statusCode());
            calls.add(() -> http.postForm("/missing").statusCode());
            calls.add(() -> http.postForm("/denied").statusCode());
            // refused by the web itself, before NATS
            calls.add(() -> http.postEncodedForm("filename=").statusCode());
            // wrong method
            calls.add(() -> http.send("GET", "/req").statusCode());
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Map<Integer, Integer> statuses = new HashMap<>();
        try {
            for (Future<Integer> status : pool.invokeAll(calls)) {
                statuses.merge(status.get(), 1, Integer::sum);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Map.of(200, each, 404, each, 403, each, 400, each, 405, each), statuses);

        Map<String, Object> after = Http.json(http.get("/stats"));

        assertEquals(each, number(after, "req_counter") - number(before, "req_counter"));
        Map<String, Long> errors = errorsDelta(before, after);
        assertEquals(Map.of("400", (long) each, "403", (long) each, "404", (long) each, "405", (long) each), errors);
        assertEquals(0, number(after, "in_flight"));
        assertEquals(each * "/ok".length(), number(after, "bytes_served") - number(before, "bytes_served"));
    }

    @Test
    void timeoutsNoRespondersAndNatsOutagesAreToldApart() throws Exception {
        Map<String, Object> before = Http.json(http.get("/stats"));

        // nobody subscribed: no responders
        assertEquals("no_backend", Http.json(http.postForm("/ok")).get("error"));
        // a backend that never answers: timeout after fooweb.request.timeout
        Dispatcher silent = client.createDispatcher(message -> { });
        silent.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        assertEquals("backend_timeout", Http.json(http.postForm("/ok")).get("error"));
        client.closeDispatcher(silent);
        // NATS down: also 503, but not a missing backend
        env.nats().stop();
        try {
            assertEquals("nats_unavailable", Http.json(http.postForm("/ok")).get("error"));
        } finally {
            env.nats().start();
        }
        Map<String, Object> after = Http.json(http.get("/stats"));

        assertEquals(1, number(after, "no_responders") - number(before, "no_responders"));
        assertEquals(1, number(after, "timeouts") - number(before, "timeouts"));
        assertEquals(Map.of("503", 2L, "504", 1L), errorsDelta(before, after));
        assertEquals(number(before, "req_counter"), number(after, "req_counter"));
        // the timeout alone took two seconds
        assertTrue(number(after, "uptime_seconds") - number(before, "uptime_seconds") >= 1, after.toString());
    }

    @Test
    void inFlightCountsTheRequestsBeingAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Dispatcher slow = client.createDispatcher(message -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            client.publish(message.getReplyTo(), "slow".getBytes(StandardCharsets.UTF_8));
        });
        slow.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        assertEquals(0, number(Http.json(http.get("/stats")), "in_flight"));

        CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> http.postForm("/slow"));
        await("one request in flight").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> number(Http.json(http.get("/stats")), "in_flight") == 1);
        release.countDown();

        assertEquals(200, answer.get(5, TimeUnit.SECONDS).statusCode());
        assertEquals(0, number(Http.json(http.get("/stats")), "in_flight"));
    }

    @Test
    void aCutFileCountsAsATruncation() throws Exception {
        backend();
        Map<String, Object> before = Http.json(http.get("/stats"));

        HttpResponse<String> response = http.postForm("/cut");
        Map<String, Object> after = Http.json(http.get("/stats"));

        assertEquals(true, Http.json(response).get("truncated"), response.body());
        assertEquals(1, number(after, "truncations") - number(before, "truncations"));
        assertEquals(3, number(after, "bytes_served") - number(before, "bytes_served"));
    }

    @Test
    void clusterScopeWhileNatsIsDownAnswersWithThisWebsFigures() {
        env.nats().stop();
        try {
            HttpResponse<String> response = http.get("/stats?scope=cluster");

            assertEquals(200, response.statusCode(), response.body());
            Map<String, Object> stats = Http.json(response);
            assertTrue(stats.get("req_counter") instanceof Number, response.body());
            @SuppressWarnings("unchecked")
            Map<String, Object> cluster = (Map<String, Object>) stats.get("cluster");
            assertEquals(false, cluster.get("available"), response.body());
            assertEquals("nats_unavailable", cluster.get("error"), response.body());
        } finally {
            env.nats().start();
        }
    }

    @Test
    void clusterScopeLeavesOutAnAnswerThatIsNotJson() throws Exception {
        Dispatcher rogue = client.createDispatcher(message -> client.publish(message.getReplyTo(), "not json".getBytes(StandardCharsets.UTF_8)));
        rogue.subscribe(ClusterStats.WEB_SUBJECT);
        client.flush(Duration.ofSeconds(2));

        Map<String, Object> cluster = await("this web answers").atMost(Duration.ofSeconds(5))
                .until(() -> cluster(http.get("/stats?scope=cluster")), c -> ((List<?>) c.get("webs")).size() == 1);

        assertEquals(true, cluster.get("available"), cluster.toString());
        assertEquals(cluster.get("this_web"), ((Map<?, ?>) ((List<?>) cluster.get("webs")).get(0)).get("id"), cluster.toString());
        assertEquals(List.of(), cluster.get("backends"), cluster.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cluster(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return (Map<String, Object>) Http.json(response).get("cluster");
    }

    @Test
    void theLocalScopeHasNoClusterPart() {
        assertTrue(!Http.json(http.get("/stats")).containsKey("cluster"));
        assertTrue(!Http.json(http.get("/stats?scope=local")).containsKey("cluster"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> errorsDelta(Map<String, Object> before, Map<String, Object> after) {
        Map<String, Object> was = (Map<String, Object>) before.get("errors");
        Map<String, Long> delta = new HashMap<>();
        ((Map<String, Object>) after.get("errors")).forEach((status, count) -> {
            long grew = ((Number) count).longValue() - ((Number) was.getOrDefault(status, 0)).longValue();
            if (grew != 0) {
                delta.put(status, grew);
            }
        });
        return delta;
    }

    private static long number(Map<String, Object> stats, String field) {
        return ((Number) stats.get(field)).longValue();
    }
}
