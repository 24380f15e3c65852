package io.fooweb;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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
@CamelMainTest(mainClass = FoowebMain.class, properties = "camel.main.routesIncludePattern=classpath:camel/web.camel.yaml")
class NatsFailuresTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();
    Connection client;

    @BeforeEach
    void connect() throws Exception {
        client = Nats.connect(env.nats().url());
        // the web's connection is up once a request gets an answer from NATS (here: no responders)
        await().atMost(Duration.ofSeconds(10)).until(() -> http.postForm("/etc/hostname").statusCode() == 503);
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

    @Test
    void onlyFoowebHeadersTravelFromHttpToNats() throws Exception {
        CopyOnWriteArrayList<Message> seen = new CopyOnWriteArrayList<>();
        Dispatcher backend = client.createDispatcher(message -> {
            seen.add(message);
            client.publish(message.getReplyTo(), "ok".getBytes(StandardCharsets.UTF_8));
        });
        backend.subscribe("fooweb_req", "fooweb_queue");
        client.flush(Duration.ofSeconds(2));

        HttpResponse<String> response = http.send(http.request("/req", "X-Secret", "s3cret", "CamelFileName", "/etc/shadow",
                "Cookie", "session=1", "Fooweb-Envelope", "forged")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=/etc/hostname")).build());

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, seen.size());
        Message request = seen.get(0);
        assertEquals("/etc/hostname", new String(request.getData(), StandardCharsets.UTF_8));
        assertEquals(java.util.Set.of("Fooweb-Envelope"), request.getHeaders().keySet());
        assertEquals("1", request.getHeaders().getFirst("Fooweb-Envelope"));
    }
}
