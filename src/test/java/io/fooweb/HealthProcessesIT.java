package io.fooweb;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.FoowebProcess;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The management server of the packaged jar, per role, as operators run it: its port comes from
 * CAMEL_MANAGEMENT_PORT (FoowebProcess gives every process a free one), and the backend role, which has no HTTP API,
 * still opens it.
 */
class HealthProcessesIT {

    NatsServer nats;
    FoowebProcess process;

    @AfterEach
    void stop() {
        if (process != null) {
            process.stop();
        }
        if (nats != null) {
            nats.stop();
        }
    }

    @Test
    void backendOpensTheManagementPortOnlyAndIsReadyOnceConnected() {
        // NATS is not up yet: the backend starts anyway, live but not ready
        nats = NatsServer.onPort(FreePort.next());
        process = FoowebProcess.start("backend", nats.url());
        Http management = process.management();

        HttpResponse<String> ready = management.get("/observe/health/ready");
        assertEquals(503, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("NATS connection is NOT_CONNECTED_YET"), ready.body());
        assertLive(management);

        nats.start();
        awaitReady(management);
        assertLive(management);

        // no HTTP API in the backend role: nothing on PORT, and the management server does not serve /req
        assertFalse(FreePort.accepts(process.httpPort()), "the backend listens on PORT " + process.httpPort());
        assertEquals(404, management.postForm("/etc/hostname").statusCode());
    }

    @Test
    void webServesTheApiAndHealthOnSeparatePorts() {
        nats = NatsServer.launch();
        process = FoowebProcess.start("web", nats.url());
        Http management = process.management();

        awaitReady(management);
        assertLive(management);
        assertEquals(200, process.http().get("/stats").statusCode());
        assertEquals(404, process.http().get("/observe/health/ready").statusCode());
        assertEquals(404, management.get("/stats").statusCode());
    }

    @Test
    void notReadyWhileShuttingDown() throws Exception {
        nats = NatsServer.launch();
        process = FoowebProcess.start("web", nats.url());
        Http management = process.management();
        awaitReady(management);

        try (Connection client = Nats.connect(nats.url())) {
            // a backend that takes every request and never answers: the web's request stays in flight until its
            // timeout (2 s), and a graceful shutdown waits for it
            CountDownLatch taken = new CountDownLatch(1);
            client.createDispatcher(message -> taken.countDown()).subscribe("fooweb_req", "fooweb_queue");
            client.flush(Duration.ofSeconds(2));
            CompletableFuture<HttpResponse<String>> inFlight =
                    CompletableFuture.supplyAsync(() -> process.http().postForm("/etc/hostname"));
            assertTrue(taken.await(5, TimeUnit.SECONDS), "the request did not reach the backend");

            // SIGTERM, as systemctl stop sends it
            ProcessHandle.of(process.pid()).orElseThrow().destroy();

            HttpResponse<String> ready = await("not ready").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> management.get("/observe/health/ready"), r -> r.statusCode() == 503);
            assertEquals("DOWN", Http.json(ready).get("status"), ready.body());
            assertFalse(inFlight.isDone(), "the in-flight request was over before readiness turned DOWN");
            // the request in flight still gets its answer (the backend's timeout) before the process exits
            assertEquals(504, inFlight.get(10, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void aSecondProcessOnTheSameManagementPortFailsToStart() throws Exception {
        nats = NatsServer.launch();
        process = FoowebProcess.start("web", nats.url());
        awaitReady(process.management());

        // a backend on the same machine that was not given a management port of its own
        Path log = Path.of("target", "it-logs", "backend-port-taken-" + process.managementPort() + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of(System.getProperty("fooweb.jar", "target/fooweb.jar")).toAbsolutePath().toString(), "backend")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("FOOWEB_NATS_SERVERS", nats.url());
        builder.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(process.managementPort()));
        Process second = builder.start();
        try {
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second process is still running; see " + log);
        } finally {
            second.destroyForcibly();
        }

        // it stops at once with a failure status (systemd's Restart=on-failure retries) and says why ...
        assertNotEquals(0, second.exitValue());
        assertTrue(Files.readString(log).contains("Cannot listen on 0.0.0.0:" + process.managementPort()), "see " + log);
        // ... instead of running on while the web answers its health probes
        assertEquals(200, process.management().get("/observe/health/ready").statusCode());
    }

    private static void awaitReady(Http management) {
        await("ready").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> management.get("/observe/health/ready").statusCode() == 200);
    }

    private static void assertLive(Http management) {
        HttpResponse<String> live = management.get("/observe/health/live");
        assertEquals(200, live.statusCode(), live.body());
        assertEquals("UP", Http.json(live).get("status"), live.body());
    }
}
