package io.fooweb.patch.camelnats;

import io.fooweb.fixture.PlainCamel;
import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.hedge.HedgeSettings;
import io.fooweb.nats.hedge.HedgedRequest;
import io.fooweb.nats.NatsSecurity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any route's {@code to: nats:} gets fooweb's producer on the shared connection, on any subject, InOut and InOnly,
 * against a real nats-server and a plain jnats peer.
 */
class NatsComponentTest {

    @Test
    void aUsersOwnNatsStepsOnOtherSubjectsWork() throws Exception {
        try (NatsServer server = NatsServer.launch();
                Connection peer = Nats.connect(server.url())) {
            CopyOnWriteArrayList<Message> published = new CopyOnWriteArrayList<>();
            peer.createDispatcher(message -> peer.publish(message.getReplyTo(),
                    ("audited " + new String(message.getData(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)))
                    .subscribe("audit");
            peer.createDispatcher(published::add).subscribe("events");
            peer.flush(Duration.ofSeconds(5));
            NatsConnector nats = new NatsConnector(server.url(), "component-test", Duration.ofSeconds(2), Duration.ofMillis(100),
                    NatsSecurity.NONE);
            try (DefaultCamelContext camel = PlainCamel.context()) {
                await().atMost(Duration.ofSeconds(10)).until(nats::isReady);
                FoowebNatsComponent component = new FoowebNatsComponent(nats, new HeldReplies(1 << 20), new HedgeCounts(), null);
                component.setHeaderFilterStrategy(new HeaderAllowList("Fooweb-Request-Id"));
                camel.addComponent("nats", component);
                // a lambda, not a RouteBuilder class: Camel Main tests would pick up such a class by package scan
                RouteBuilder.addRoutes(camel, routes -> {
                    routes.from("direct:audit").to("nats:audit?exchangePattern=InOut&requestTimeout=1000").convertBodyTo(String.class);
                    routes.from("direct:event").to("nats:events");
                    routes.from("direct:nobody").to("nats:nobody?exchangePattern=InOut&requestTimeout=1000");
                    routes.from("direct:silent").to("nats:events?exchangePattern=InOut&requestTimeout=300");
                });
                camel.start();
                ProducerTemplate template = camel.createProducerTemplate();

                assertInstanceOf(NatsRequestProducer.class, camel.getEndpoint("nats:audit").createProducer());
                assertEquals("audited é", template.requestBody("direct:audit", "é", String.class));

                template.sendBodyAndHeaders("direct:event", "happened",
                        java.util.Map.of("Fooweb-Request-Id", "id-1", "CamelSecret", "no", "X-Other", "no"));
                await().atMost(Duration.ofSeconds(5)).until(() -> published.size() == 1);
                assertEquals("happened", new String(published.get(0).getData(), StandardCharsets.UTF_8));
                assertEquals(java.util.Set.of("Fooweb-Request-Id"), published.get(0).getHeaders().keySet());

                CamelExecutionException nobody = assertThrows(CamelExecutionException.class,
                        () -> template.requestBody("direct:nobody", "x"));
                assertInstanceOf(io.nats.client.JetStreamStatusException.class, nobody.getCause());

                long started = System.nanoTime();
                CamelExecutionException silent = assertThrows(CamelExecutionException.class,
                        () -> template.requestBody("direct:silent", "x"));
                long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
                assertInstanceOf(java.util.concurrent.TimeoutException.class, silent.getCause());
                assertTrue(elapsedMillis >= 290 && elapsedMillis < 1500, "took " + elapsedMillis + " ms");
            } finally {
                nats.close();
            }
        }
    }
}
