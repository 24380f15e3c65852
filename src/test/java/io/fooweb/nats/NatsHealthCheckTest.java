package io.fooweb.nats;

import java.time.Duration;
import java.util.Map;

import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.NatsServer;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NATS readiness check on its own, against real nats-servers. */
class NatsHealthCheckTest {

    private static NatsConnector connector(String servers) {
        return connector(servers, NatsSecurity.NONE);
    }

    private static NatsConnector connector(String servers, NatsSecurity security) {
        return new NatsConnector(servers, "health-test", Duration.ofSeconds(2), Duration.ofMillis(100), security);
    }

    @Test
    void isAReadinessCheckOnly() {
        NatsHealthCheck check = new NatsHealthCheck(null);
        assertTrue(check.isReadiness());
        assertFalse(check.isLiveness());
    }

    @Test
    void downBeforeTheFirstConnect() throws Exception {
        try (NatsConnector nats = connector("nats://127.0.0.1:" + FreePort.next())) {
            HealthCheck.Result result = new NatsHealthCheck(nats).call();

            assertEquals(HealthCheck.State.DOWN, result.getState());
            assertEquals("NOT_CONNECTED_YET", result.getDetails().get(NatsHealthCheck.STATUS));
            assertEquals("NATS connection is NOT_CONNECTED_YET", result.getMessage().orElse(""));
        }
    }

    @Test
    void upWhenConnectedNamingTheServerWithoutCredentials() throws Exception {
        try (NatsServer server = NatsServer.launch("--user", "fooweb", "--pass", "s3cret");
             NatsConnector nats = connector("nats://127.0.0.1:" + server.port(),
                     new NatsSecurity("", "fooweb", "s3cret", "", "", "", "", ""))) {
            NatsHealthCheck check = new NatsHealthCheck(nats);

            HealthCheck.Result result = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(check::call, r -> r.getState() == HealthCheck.State.UP);

            Map<String, Object> details = result.getDetails();
            assertEquals("CONNECTED", details.get(NatsHealthCheck.STATUS));
            assertEquals("nats://127.0.0.1:" + server.port(), details.get(NatsHealthCheck.SERVER));
            assertFalse(details.toString().contains("s3cret"), details.toString());

            server.stop();
            HealthCheck.Result down = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(check::call, r -> r.getState() == HealthCheck.State.DOWN);
            assertFalse(String.valueOf(down.getDetails().get(NatsHealthCheck.STATUS)).equals("CONNECTED"));
            assertFalse(down.getDetails().containsKey(NatsHealthCheck.SERVER));
        }
    }

    @Test
    void credentialsNeverLeaveTheUrl() {
        assertEquals("nats://example.org:4222", NatsHealthCheck.withoutCredentials("nats://user:secret@example.org:4222"));
        assertEquals("tls://example.org:4443", NatsHealthCheck.withoutCredentials("tls://token@example.org:4443"));
        assertEquals("nats://127.0.0.1:4222", NatsHealthCheck.withoutCredentials("nats://127.0.0.1:4222"));
    }
}
