package io.fooweb.nats;

import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web role alone, facing NATS-side failures; the test itself plays the backends. */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.role=web")
class NatsFailuresTest {

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

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
        assertEquals(200, http.get("/stats").statusCode());
    }

    /** A backend that answers every request with "echo:<filename>" in the plain wire format. */
    private Dispatcher echoBackend() throws Exception {
        Dispatcher backend = client.createDispatcher(message -> client.publish(message.getReplyTo(),
                ("echo:" + new String(message.getData(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        return backend;
    }

    private static void assertError(int status, String error, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(error, Http.json(response).get("error"), response.body());
    }

    @Test
    void noBackendIs503AtOnceWithRetryAfter() {
        long started = System.nanoTime();
        HttpResponse<String> response = http.postForm("/etc/hostname");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertError(503, "no_backend", response);
        assertEquals("1", response.headers().firstValue("Retry-After").orElse(""));
        // NATS reports "no responders" right away; the request timeout is 2000 ms
        assertTrue(elapsedMillis < 500, "took " + elapsedMillis + " ms");
        // the request log line, with the cause
        String id = response.headers().firstValue("X-Request-Id").orElseThrow();
        java.util.List<String> lines = log.awaitLines("io.fooweb.access", "id=" + id + " ");
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(" status=503 ") && lines.get(0).contains(" error=no_backend cause=\"io.nats.client.JetStreamStatusException"),
                lines.get(0));
    }

    @Test
    void silentBackendIs504AfterTheRequestTimeout() throws Exception {
        Dispatcher silent = client.createDispatcher(message -> { });
        silent.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));

        long started = System.nanoTime();
        HttpResponse<String> response = http.postForm("/etc/hostname");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertError(504, "backend_timeout", response);
        assertTrue(elapsedMillis >= 1900 && elapsedMillis < 3000, "took " + elapsedMillis + " ms");
        String line = log.awaitLines("io.fooweb.access", "id=" + response.headers().firstValue("X-Request-Id").orElseThrow() + " ").get(0);
        assertTrue(java.util.regex.Pattern.compile(" status=504 duration_ms=(19|2\\d)\\d\\d ").matcher(line).find(), line);
        client.closeDispatcher(silent);
    }

    @Test
    void natsDownIs503AtOnceAndServingResumesWhenItIsBack() throws Exception {
        client.close();
        env.nats().stop();
        try {
            long started = System.nanoTime();
            HttpResponse<String> response = http.postForm("/etc/hostname");
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

            assertError(503, "nats_unavailable", response);
            assertEquals("1", response.headers().firstValue("Retry-After").orElse(""));
            assertTrue(elapsedMillis < 500, "took " + elapsedMillis + " ms");
        } finally {
            env.nats().start();
        }
        client = Nats.connect(env.nats().url());
        echoBackend();

        await("web reconnected").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.postForm("/back").statusCode() == 200);
        assertEquals(Map.of("file_contents", "echo:/back"), Http.json(http.postForm("/back")));
    }

    /** A backend that records every request and answers "ok" in the plain wire format (no envelope). */
    private CopyOnWriteArrayList<Message> recordingBackend() throws Exception {
        CopyOnWriteArrayList<Message> seen = new CopyOnWriteArrayList<>();
        Dispatcher backend = client.createDispatcher(message -> {
            seen.add(message);
            client.publish(message.getReplyTo(), "ok".getBytes(StandardCharsets.UTF_8));
        });
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        return seen;
    }

    private HttpResponse<String> post(String... headers) {
        return http.send(http.request("/req", headers)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=/etc/hostname")).build());
    }

    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void onlyFoowebHeadersTravelFromHttpToNats() throws Exception {
        CopyOnWriteArrayList<Message> seen = recordingBackend();

        HttpResponse<String> response = post("X-Secret", "s3cret", "CamelFileName", "/etc/shadow",
                "Cookie", "session=1", "Fooweb-Envelope", "forged", "Fooweb-Request-Id", "forged-id",
                "X-Request-Id", "req-42", "traceparent", TRACEPARENT, "Authorization", "Bearer not-for-the-backend");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, seen.size());
        Message request = seen.get(0);
        assertEquals("/etc/hostname", new String(request.getData(), StandardCharsets.UTF_8));
        assertEquals(java.util.Set.of("Fooweb-Envelope", "Fooweb-Request-Id", "traceparent"), request.getHeaders().keySet());
        assertEquals(java.util.List.of("1"), request.getHeaders().get("Fooweb-Envelope"));
        assertEquals(java.util.List.of("req-42"), request.getHeaders().get("Fooweb-Request-Id"));
        assertEquals(java.util.List.of(TRACEPARENT), request.getHeaders().get("traceparent"));
        assertEquals("req-42", response.headers().firstValue("X-Request-Id").orElse(""));
        // a plain reply names no backend
        assertTrue(response.headers().firstValue("Fooweb-Backend").isEmpty(), response.headers().toString());
        String line = log.awaitLines("io.fooweb.access", "id=req-42 ").get(0);
        assertTrue(line.contains(" status=200 ") && line.contains(" backend=- ") && line.endsWith(" traceparent=" + TRACEPARENT), line);
    }

    @Test
    void anInvalidTraceparentIsNotForwardedAndAGeneratedIdIs() throws Exception {
        CopyOnWriteArrayList<Message> seen = recordingBackend();
        java.util.List<String> invalid = java.util.List.of(
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",   // upper-case hex
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace-id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero parent-id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // forbidden version
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 x", // trailing junk
                "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",   // misplaced dash
                "garbage");

        for (String traceparent : invalid) {
            seen.clear();
            HttpResponse<String> response = post("traceparent", traceparent);

            assertEquals(200, response.statusCode(), response.body());
            Message request = seen.get(0);
            assertEquals(java.util.Set.of("Fooweb-Envelope", "Fooweb-Request-Id"), request.getHeaders().keySet(), traceparent);
            String id = response.headers().firstValue("X-Request-Id").orElse("");
            assertEquals(java.util.List.of(id), request.getHeaders().get("Fooweb-Request-Id"));
            assertTrue(id.matches("[A-Za-z0-9._-]{1,64}"), id);
            assertTrue(!log.awaitLines("io.fooweb.access", "id=" + id + " ").get(0).contains("traceparent"), traceparent);
        }
    }

    @Test
    void requestsInFlightWhenTheConnectionDropsAre503AtOnce() throws Exception {
        Dispatcher silent = client.createDispatcher(message -> { });
        silent.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> http.postForm("/etc/hostname"));
        await("request reached the backend").atMost(Duration.ofSeconds(5))
                .until(() -> silent.getDeliveredCount() == 1);

        long killed = System.nanoTime();
        env.nats().kill();
        // the test's client, and its silent subscription, must not come back with the server
        client.close();
        try {
            HttpResponse<String> response = inFlight.get(5, java.util.concurrent.TimeUnit.SECONDS);
            long elapsedMillis = (System.nanoTime() - killed) / 1_000_000;

            // its reply can no longer arrive: answered as the outage it is, long before the 2000 ms timeout
            assertError(503, "nats_unavailable", response);
            assertTrue(elapsedMillis < 1000, "took " + elapsedMillis + " ms");
        } finally {
            env.nats().start();
        }
        // the old connection would reconnect by itself with its silent member, and serve the next tests' requests
        client.close();
        client = Nats.connect(env.nats().url());
        echoBackend();
        await("web reconnected").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.postForm("/back").statusCode() == 200);
    }

    @Test
    void aRequestWhoseFirstSendIsLostIsHedgedAndCounted() throws Exception {
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // swallows each request's first send (as a backend cut off by the network would) and answers its hedge
        Dispatcher backend = client.createDispatcher(message -> {
            if (!seen.add(message.getHeaders().getFirst("Fooweb-Request-Id"))) {
                client.publish(message.getReplyTo(), "hedged".getBytes(StandardCharsets.UTF_8));
            }
        });
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));
        Map<String, Object> before = hedges();
        double wonBefore = io.fooweb.fixture.Prometheus.scrape(env.management()).value("fooweb_hedges_total", "outcome", "won");

        long started = System.nanoTime();
        HttpResponse<String> response = post("X-Request-Id", "hedge-1");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Map.of("file_contents", "hedged"), Http.json(response));
        // the hedge went out at the delay (max-delay, 500 ms, until the web has seen 20 replies), long before the timeout
        assertTrue(elapsedMillis < 1500, "took " + elapsedMillis + " ms");
        String line = log.awaitLines("io.fooweb.access", "id=hedge-1 ").get(0);
        assertTrue(line.contains(" status=200 ") && line.contains(" attempts=2 answered_by=2"), line);
        Map<String, Object> after = hedges();
        assertEquals(((Number) before.get("sent")).intValue() + 1, ((Number) after.get("sent")).intValue(), after.toString());
        assertEquals(((Number) before.get("won")).intValue() + 1, ((Number) after.get("won")).intValue(), after.toString());
        assertEquals(wonBefore + 1, io.fooweb.fixture.Prometheus.scrape(env.management()).value("fooweb_hedges_total", "outcome", "won"));
        client.closeDispatcher(backend);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> hedges() {
        return (Map<String, Object>) Http.json(http.get("/stats")).get("hedges");
    }

    @Test
    void aRepliesHeadersSteerNothing() throws Exception {
        Dispatcher backend = client.createDispatcher(message -> {
            io.nats.client.impl.Headers headers = new io.nats.client.impl.Headers()
                    .add("CamelHttpResponseCode", "500").add("Content-Type", "text/evil").add("X-From-Backend", "1");
            client.publish(message.getReplyTo(), headers, "ok".getBytes(StandardCharsets.UTF_8));
        });
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));

        HttpResponse<String> response = http.postForm("/etc/hostname");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Map.of("file_contents", "ok"), Http.json(response));
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.headers().firstValue("X-From-Backend").isEmpty(), response.headers().toString());
    }
}
