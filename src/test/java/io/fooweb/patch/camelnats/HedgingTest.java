package io.fooweb.patch.camelnats;

import io.fooweb.fixture.PlainCamel;
import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.hedge.HedgeSettings;
import io.fooweb.nats.RequestProperties;
import io.fooweb.nats.NatsSecurity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.MessageHandler;
import io.nats.client.Nats;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hedged requests through the nats component's producer ({@code hedge=true}), against a real nats-server, with plain
 * jnats peers in the queue group that treat a request's first send and its hedge differently (told apart by payload),
 * so that every outcome is deterministic.
 */
class HedgingTest {

    static NatsServer server;
    static ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    Connection peer;
    NatsConnector nats;
    DefaultCamelContext camel;
    FoowebNatsComponent component;
    ProducerTemplate template;

    @BeforeAll
    static void startServer() {
        server = NatsServer.launch();
    }

    @AfterAll
    static void stopServer() {
        later.shutdownNow();
        server.stop();
    }

    @BeforeEach
    void start() throws Exception {
        peer = Nats.connect(server.url());
        nats = new NatsConnector(server.url(), "hedging-test", Duration.ofSeconds(2), Duration.ofMillis(100), NatsSecurity.NONE);
        await().atMost(Duration.ofSeconds(10)).until(nats::isReady);
        camel = PlainCamel.context();
        component = new FoowebNatsComponent(nats, new HeldReplies(1 << 20), new HedgeCounts(), null);
        // min-delay 100 ms, max-delay 100 ms: before 20 replies the delay is max-delay, so every hedge here comes at 100 ms
        component.setHedgeSettings(new HedgeSettings(Duration.ofMillis(100), Duration.ofMillis(100), 2, 3, 5, 10));
        camel.addComponent("nats", component);
        camel.start();
        template = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
        nats.close();
        peer.close();
    }

    private Dispatcher member(String subject, MessageHandler handler) throws Exception {
        Dispatcher dispatcher = peer.createDispatcher(handler);
        dispatcher.subscribe(subject, "q");
        peer.flush(Duration.ofSeconds(2));
        return dispatcher;
    }

    private Exchange request(String uri, String body) {
        return template.send(uri, ExchangePattern.InOut, exchange -> exchange.getMessage().setBody(body));
    }

    private static String text(Exchange exchange) {
        return new String(exchange.getMessage().getBody(byte[].class), StandardCharsets.UTF_8);
    }

    @Test
    void aRequestWhoseFirstSendGoesUnansweredIsAnsweredByTheHedge() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        // a member that swallows each request's first send, as one cut off by the network would, and answers the next
        member("first-lost", message -> {
            String body = new String(message.getData(), StandardCharsets.UTF_8);
            if (!seen.add(body)) {
                peer.publish(message.getReplyTo(), ("hedge answered " + body).getBytes(StandardCharsets.UTF_8));
            }
        });

        long started = System.nanoTime();
        Exchange answered = request("nats:first-lost?exchangePattern=InOut&requestTimeout=2000&hedge=true", "a");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertNull(answered.getException());
        assertEquals("hedge answered a", text(answered));
        assertEquals(2, answered.getProperty(RequestProperties.ATTEMPTS));
        assertTrue(elapsedMillis >= 95 && elapsedMillis < 1000, "took " + elapsedMillis + " ms");
        assertEquals(1, component.hedgeCounts().sent());
        assertEquals(1, component.hedgeCounts().won());
        assertEquals(0, component.hedgeCounts().lost());
        assertEquals(0, component.heldReplyBytes());
    }

    @Test
    void withoutTheOptionARequestIsSentOnceAndTimesOut() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        member("plain", message -> sends.incrementAndGet());

        Exchange failed = request("nats:plain?exchangePattern=InOut&requestTimeout=400", "a");

        assertInstanceOf(TimeoutException.class, failed.getException());
        assertEquals(1, sends.get());
        assertNull(failed.getProperty(RequestProperties.ATTEMPTS));
        assertEquals(0, component.hedgeCounts().sent());
    }

    @Test
    void theFirstAnswerWinsAndALaterOneIsDroppedUnheld() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger latePublished = new AtomicInteger();
        // the first send is answered after 400 ms, the hedge at once
        member("slow-first", message -> {
            String body = new String(message.getData(), StandardCharsets.UTF_8);
            if (seen.add(body)) {
                later.schedule(() -> {
                    peer.publish(message.getReplyTo(), "late first".getBytes(StandardCharsets.UTF_8));
                    latePublished.incrementAndGet();
                }, 400, TimeUnit.MILLISECONDS);
            } else {
                peer.publish(message.getReplyTo(), "hedge".getBytes(StandardCharsets.UTF_8));
            }
        });

        Exchange answered = request("nats:slow-first?exchangePattern=InOut&requestTimeout=2000&hedge=true", "b");

        assertEquals("hedge", text(answered));
        long inBefore = nats.connection().getStatistics().getInMsgs();
        await().atMost(Duration.ofSeconds(3)).until(() -> latePublished.get() == 1);
        peer.flush(Duration.ofSeconds(2));
        // the late reply reached the web's connection ...
        await().atMost(Duration.ofSeconds(3)).until(() -> nats.connection().getStatistics().getInMsgs() > inBefore);
        // ... and holds nothing: the winner's exchange is done and released its bytes, the loser was never held
        assertEquals(0, component.heldReplyBytes());
        assertEquals(1, component.hedgeCounts().won());
    }

    @Test
    void aNoRespondersAnswerToTheHedgeDoesNotFailTheRequest() throws Exception {
        Connection replier = Nats.connect(server.url());
        try {
            Dispatcher[] self = new Dispatcher[1];
            // the only member leaves the group on its first request (the hedge then meets "no responders") and answers
            // that first send after 400 ms
            self[0] = member("leaving", message -> {
                self[0].unsubscribe("leaving");
                later.schedule(() -> replier.publish(message.getReplyTo(), "first".getBytes(StandardCharsets.UTF_8)), 400,
                        TimeUnit.MILLISECONDS);
            });

            Exchange answered = request("nats:leaving?exchangePattern=InOut&requestTimeout=2000&hedge=true", "c");

            assertNull(answered.getException());
            assertEquals("first", text(answered));
            // the first send answered a hedged request: the hedge lost
            assertEquals(1, component.hedgeCounts().lost());
            assertEquals(0, component.hedgeCounts().won());
        } finally {
            replier.close();
        }
    }

    @Test
    void noAnswerToAnySendIsATimeoutAfterTheRequestTimeoutWithEverySendMade() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        member("silent", message -> sends.incrementAndGet());

        long started = System.nanoTime();
        Exchange failed = request("nats:silent?exchangePattern=InOut&requestTimeout=600&hedge=true", "d");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertInstanceOf(TimeoutException.class, failed.getException());
        assertTrue(elapsedMillis >= 590 && elapsedMillis < 1500, "took " + elapsedMillis + " ms");
        // at 0, 100 and 200 ms: max-attempts 3
        await().atMost(Duration.ofSeconds(2)).until(() -> sends.get() == 3);
        assertEquals(3, failed.getProperty(RequestProperties.ATTEMPTS));
        assertEquals(2, component.hedgeCounts().sent());
        assertEquals(0, component.hedgeCounts().won() + component.hedgeCounts().lost());
    }

    @Test
    void theBudgetCapsHedges() throws Exception {
        component.setHedgeSettings(new HedgeSettings(Duration.ofMillis(50), Duration.ofMillis(50), 2, 2, 0, 2));
        AtomicInteger sends = new AtomicInteger();
        member("budget", message -> sends.incrementAndGet());

        for (int i = 0; i < 5; i++) {
            assertInstanceOf(TimeoutException.class, request("nats:budget?exchangePattern=InOut&requestTimeout=200&hedge=true", "e" + i)
                    .getException());
        }

        // budget-min 2 and 0 %: two hedges in the window, the three other requests went once
        assertEquals(2, component.hedgeCounts().sent());
        assertEquals(3, component.hedgeCounts().denied());
        await().atMost(Duration.ofSeconds(2)).until(() -> sends.get() == 7);
    }
}
