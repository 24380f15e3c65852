package io.fooweb.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NatsConnector#dispatch} against a real nats-server that starts after the connector: a handle closed while its
 * subscription is being made on the new connection leaves no subscription behind (a bean the YAML DSL built twice and
 * destroyed once did, and answered every cluster request a second time).
 */
class NatsConnectorDispatchTest {

    @Test
    void aHandleClosedWhileItsSubscriptionIsMadeLeavesNoneBehind() throws Exception {
        try (NatsServer server = NatsServer.onPort(FreePort.next())) {
            NatsConnector nats = new NatsConnector(server.url(), "dispatch-test", Duration.ofSeconds(2), Duration.ofMillis(100),
                    NatsSecurity.NONE);
            CountDownLatch subscribing = new CountDownLatch(1);
            CountDownLatch closed = new CountDownLatch(1);
            CountDownLatch subscribed = new CountDownLatch(1);
            AutoCloseable handle = nats.dispatch(connection -> {
                subscribing.countDown();
                try {
                    assertTrue(closed.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    return connection.createDispatcher(message -> connection.publish(message.getReplyTo(), new byte[0]))
                            .subscribe("answers");
                } finally {
                    subscribed.countDown();
                }
            });
            // the connector connects, and subscribes, on its own thread once the server is up
            server.start();
            assertTrue(subscribing.await(10, TimeUnit.SECONDS), "the connector connected");
            handle.close();
            closed.countDown();
            assertTrue(subscribed.await(10, TimeUnit.SECONDS));

            try (Connection client = Nats.connect(new Options.Builder().server(server.url()).reportNoResponders().build())) {
                // the closed dispatcher's UNSUB reaches the server after the SUB: asked until nobody answers
                await().atMost(Duration.ofSeconds(5)).until(() -> {
                    try {
                        client.request("answers", "who".getBytes(StandardCharsets.UTF_8)).get(2, TimeUnit.SECONDS);
                        return false;
                    } catch (ExecutionException noResponders) {
                        return true;
                    }
                });
            } finally {
                nats.close();
            }
        }
    }
}
