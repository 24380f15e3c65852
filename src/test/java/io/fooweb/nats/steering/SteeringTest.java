package io.fooweb.nats.steering;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.PlainCamel;
import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.NatsSecurity;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.hedge.HedgeSettings;
import io.fooweb.patch.camelnats.FoowebNatsComponent;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web's steering against a real nats-server: backends that announce themselves (heartbeats the test sends, so it
 * decides when one falls silent), answer on subjects of their own, or do not; requests through the nats component's
 * producer with {@code balance} and {@code hedge}.
 */
class SteeringTest {

    static final String PRESENCE = "test_backends";

    NatsServer server;
    Connection peer;
    NatsConnector nats;
    LiveBackends backends;
    DefaultCamelContext camel;
    ProducerTemplate template;
    ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
    final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    final Map<String, AtomicBoolean> beating = new ConcurrentHashMap<>();
    final Map<String, AtomicBoolean> answering = new ConcurrentHashMap<>();
    final Map<String, Dispatcher> subscriptions = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        server = NatsServer.launch();
        peer = Nats.connect(server.url());
        nats = new NatsConnector(server.url(), "steering-test", Duration.ofSeconds(2), Duration.ofMillis(100), NatsSecurity.NONE);
        await().atMost(Duration.ofSeconds(10)).until(nats::isReady);
        backends = new LiveBackends(nats, "work", PRESENCE, 1000, 2, 100);
        backends.start();
        camel = PlainCamel.context();
        FoowebNatsComponent component = new FoowebNatsComponent(nats, new HeldReplies(1 << 20), new HedgeCounts(), null);
        // hedges at 100 ms, up to 3 sends, a budget large enough never to refuse one here
        component.setHedgeSettings(new HedgeSettings(Duration.ofMillis(100), Duration.ofMillis(100), 1, 3, 100, 1000));
        camel.addComponent("nats", component);
        camel.getRegistry().bind("liveBackends", backends);
        camel.start();
        template = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() throws Exception {
        heartbeats.shutdownNow();
        camel.close();
        backends.stop();
        nats.close();
        peer.close();
        server.close();
    }

    /**
     * A backend named {@code id}: answers on work.{id} and its probes while answering (as one cut off one way does
     * not), heartbeats every 100 ms while beating.
     */
    private void backend(String id, boolean answers) throws Exception {
        backend(id, answers, "work");
    }

    /** A backend of the requests on {@code subject}: it answers on {@code <subject>.<id>}. */
    private void backend(String id, boolean answers, String subject) throws Exception {
        served.put(id, new AtomicInteger());
        answering.put(id, new AtomicBoolean(answers));
        Dispatcher dispatcher = peer.createDispatcher(message -> {
            if (answering.get(id).get()) {
                served.get(id).incrementAndGet();
                peer.publish(message.getReplyTo(), id.getBytes(StandardCharsets.UTF_8));
            }
        });
        dispatcher.subscribe(subject + "." + id);
        dispatcher.subscribe(subject + "." + id + ".probe");
        subscriptions.put(id, dispatcher);
        peer.flush(Duration.ofSeconds(2));
        AtomicBoolean beat = new AtomicBoolean(true);
        beating.put(id, beat);
        byte[] heartbeat = ("{\"id\":\"" + id + "\",\"subject\":\"" + subject + "." + id + "\",\"backend\":\"host:" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        heartbeats.scheduleAtFixedRate(() -> {
            if (beat.get()) {
                peer.publish(PRESENCE, heartbeat);
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    private Exchange request() {
        return template.send("nats:work?exchangePattern=InOut&requestTimeout=2000&hedge=true&balance=#liveBackends",
                ExchangePattern.InOut, exchange -> exchange.getMessage().setBody("x"));
    }

    private String answer() {
        Exchange exchange = request();
        assertNull(exchange.getException());
        return new String(exchange.getMessage().getBody(byte[].class), StandardCharsets.UTF_8);
    }

    private long live() {
        return ((Number) backends.stats().get("live")).longValue();
    }

    @SuppressWarnings("unchecked")
    private long ejections(String reason) {
        return ((Map<String, Long>) backends.stats().get("ejections")).get(reason);
    }

    @Test
    void requestsGoToEveryLiveBackendAndNoneToTheQueueGroup() throws Exception {
        peer.createDispatcher(message -> peer.publish(message.getReplyTo(), "queue".getBytes(StandardCharsets.UTF_8)))
                .subscribe("work", "q");
        backend("a", true);
        backend("b", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        for (int i = 0; i < 200; i++) {
            assertTrue(List.of("a", "b").contains(answer()));
        }

        assertTrue(served.get("a").get() > 40 && served.get("b").get() > 40, served.toString());
    }

    @Test
    void aBackendOfAnotherSubjectIsNeverSentTo() throws Exception {
        // another deployment on the same NATS, announcing on the same presence subject
        backend("elsewhere", true, "other_req");
        backend("a", true);
        // one publisher, one scheduler thread: the other subject's heartbeat arrived before a's first one did
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 1);

        for (int i = 0; i < 50; i++) {
            assertEquals("a", answer());
        }

        assertEquals(0, served.get("elsewhere").get());
        assertEquals(1, live());
    }

    @Test
    void withNoFoowebBackendTheQueueGroupServes() throws Exception {
        peer.createDispatcher(message -> peer.publish(message.getReplyTo(), "queue".getBytes(StandardCharsets.UTF_8)))
                .subscribe("work", "q");
        peer.flush(Duration.ofSeconds(2));

        assertEquals("queue", answer());
    }

    @Test
    void aSilentBackendIsEjectedWithinASecondAndReturnsWithItsHeartbeat() throws Exception {
        backend("a", true);
        backend("b", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        beating.get("b").set(false);
        long silentSince = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).until(() -> {
            answer();
            return live() == 1;
        });
        long tookMillis = (System.nanoTime() - silentSince) / 1_000_000;
        int servedByB = served.get("b").get();
        for (int i = 0; i < 50; i++) {
            assertEquals("a", answer());
        }

        assertTrue(tookMillis < 1500, "ejected after " + tookMillis + " ms");
        assertEquals(servedByB, served.get("b").get());
        assertEquals(1, ejections("silent"));

        beating.get("b").set(true);
        await().atMost(Duration.ofSeconds(3)).until(() -> live() == 2);
        assertEquals(1L, backends.stats().get("returns"));
    }

    @Test
    void aBackendThatLeavesItsSendsUnansweredIsEjectedTheHedgeGoesElsewhereAndAProbeBringsItBack() throws Exception {
        backend("a", true);
        backend("mute", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        // every request is answered, by "a": the first send or the hedge, never the same backend twice
        for (int i = 0; i < 30; i++) {
            assertEquals("a", answer());
        }
        assertEquals(1, ejections("unanswered"));
        assertEquals(1, live());

        // it answers again, its probes too: back within a few probe intervals
        answering.get("mute").set(true);
        await().atMost(Duration.ofSeconds(3)).until(() -> live() == 2);
        assertEquals(1L, backends.stats().get("returns"));
    }

    @Test
    void lateSendsNeverEjectTheLastLiveBackend() throws Exception {
        peer.createDispatcher(message -> peer.publish(message.getReplyTo(), "queue".getBytes(StandardCharsets.UTF_8)))
                .subscribe("work", "q");
        backend("a", false);
        backend("b", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        // both late every time (the web stalled, say): the first of them to reach max-late is ejected, the other stays
        for (int i = 0; i < 6; i++) {
            assertEquals("queue", answer());
        }

        assertEquals(1, ejections("unanswered"));
        assertEquals(1, live());
    }

    @Test
    void sendsThatTimeOutUnhedgedCountAsLateToo() throws Exception {
        backend("a", true);
        backend("mute", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        // no hedge: the mute backend's sends time out, max-late of them eject it
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            template.send("nats:work?exchangePattern=InOut&requestTimeout=300&balance=#liveBackends",
                    ExchangePattern.InOut, exchange -> exchange.getMessage().setBody("x"));
            return ejections("unanswered") == 1;
        });
        assertEquals(1, live());
    }

    @Test
    void theTwoPicksAreDifferentBackendsSoTheLessLoadedAlwaysWins() throws Exception {
        backend("a", true);
        backend("b", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);
        LiveBackends.Target busy = backends.choose(new LiveBackends.Target[0], 0);

        // one request outstanding at "busy", none at the other: every choice compares both
        for (int i = 0; i < 200; i++) {
            LiveBackends.Target chosen = backends.choose(new LiveBackends.Target[0], 0);
            backends.done(chosen, true, 0);
            assertTrue(chosen != busy, "chose the busy backend at choice " + i);
        }
        backends.done(busy, true, 0);
    }

    @Test
    void aSendThatFindsNobodyAtItsBackendGoesOnToAnotherAtOnce() throws Exception {
        backend("a", true);
        backend("gone", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> live() == 2);

        subscriptions.get("gone").unsubscribe("work.gone");
        subscriptions.get("gone").unsubscribe("work.gone.probe");
        peer.flush(Duration.ofSeconds(2));
        for (int i = 0; i < 20; i++) {
            long started = System.nanoTime();
            assertEquals("a", answer());
            assertTrue((System.nanoTime() - started) / 1_000_000 < 100, "a resend, not a hedge after 100 ms");
        }

        assertEquals(1, ejections("unanswered"));
    }
}
