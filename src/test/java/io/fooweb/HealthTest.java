package io.fooweb;

import io.fooweb.nats.NatsHealthCheck;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The management server's health checks, both roles in one process: readiness follows the NATS connection, liveness
 * does not. Camel answers 200 with {"status":"UP"} and 503 with {"status":"DOWN","checks":[the DOWN checks]}.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class HealthTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http management = env.management();

    @BeforeEach
    void ready() {
        awaitReadiness(200);
    }

    @Test
    void readyAndLiveWhileConnected() {
        HttpResponse<String> ready = management.get("/observe/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("UP", Http.json(ready).get("status"));
        assertLive();
    }

    @Test
    void natsCheckReportsStatusAndServer() {
        HttpResponse<String> ready = management.get("/observe/health/ready?exposureLevel=full&data=true");

        Map<String, Object> nats = check(ready, "nats");
        assertEquals("UP", nats.get("status"), ready.body());
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) nats.get("data");
        assertEquals("CONNECTED", data.get(NatsHealthCheck.STATUS), ready.body());
        assertEquals(env.nats().url(), data.get(NatsHealthCheck.SERVER), ready.body());
    }

    @Test
    void notReadyWhileNatsIsDownButLiveThroughout() {
        env.nats().stop();
        try {
            HttpResponse<String> ready = awaitReadiness(503);

            assertEquals("DOWN", Http.json(ready).get("status"), ready.body());
            Map<String, Object> nats = check(ready, "nats");
            assertEquals("DOWN", nats.get("status"), ready.body());
            assertTrue(String.valueOf(nats.get("message")).startsWith("NATS connection is "), ready.body());
            // only the NATS check is down: the routes, the context and the process are fine
            assertEquals(1, checks(ready).size(), ready.body());
            assertLive();
        } finally {
            env.nats().start();
        }
        awaitReadiness(200);
        assertLive();
    }

    @Test
    void managementServerHasItsOwnPort() {
        assertNotEquals(env.httpPort(), env.managementPort());
        // the API stays on camel.server.port (a free port, not 8080: see MainServerHttpEngine) ...
        assertEquals(200, env.http().get("/stats").statusCode());
        assertEquals(404, env.http().get("/observe/health/ready").statusCode());
        // ... and the management server serves health only
        assertEquals(404, management.postForm("/etc/hostname").statusCode());
        assertEquals(404, management.get("/stats").statusCode());
    }

    private HttpResponse<String> awaitReadiness(int status) {
        return await("readiness " + status).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    // liveness does not follow NATS: it stays UP while readiness changes
                    assertLive();
                    return management.get("/observe/health/ready");
                }, response -> response.statusCode() == status);
    }

    private void assertLive() {
        HttpResponse<String> live = management.get("/observe/health/live");
        assertEquals(200, live.statusCode(), live.body());
        assertEquals("UP", Http.json(live).get("status"), live.body());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> checks(HttpResponse<String> response) {
        return (List<Map<String, Object>>) Http.json(response).getOrDefault("checks", List.of());
    }

    private static Map<String, Object> check(HttpResponse<String> response, String name) {
        return checks(response).stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + response.body()));
    }
}
