package io.fooweb.patch.camelnats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.PlainCamel;
import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.NatsSecurity;
import io.fooweb.nats.hedge.HedgeCounts;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fooweb's {@code from: nats:} consumer against a real nats-server and plain jnats clients: work its {@code inline}
 * bean can do without blocking runs on jnats' reader thread, any other on its {@code concurrency} workers, and a drain
 * answers what the workers hold.
 */
class QueueConsumerTest {

    NatsServer server;
    Connection client;
    NatsConnector nats;
    DefaultCamelContext camel;
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final CountDownLatch slowStarted = new CountDownLatch(8);
    final CountDownLatch release = new CountDownLatch(1);
    /** More than the reader thread keeps for its next write (ReaderThreadWrites.MAX_KEPT_BYTES). */
    static final int BIG_REPLY_BYTES = 100 * 1024;

    /** Payloads starting "now" are done at once; anything else is left to a worker. */
    static final class NowOnly implements NonBlocking {
        @Override
        public boolean tryWithoutBlocking(org.apache.camel.Exchange exchange) {
            return new String(exchange.getMessage().getBody(byte[].class), StandardCharsets.UTF_8).startsWith("now");
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = NatsServer.launch();
        client = Nats.connect(new Options.Builder().server(server.url()).reportNoResponders().build());
        nats = new NatsConnector(server.url(), "consumer-test", Duration.ofSeconds(2), Duration.ofMillis(100), NatsSecurity.NONE);
        await().atMost(Duration.ofSeconds(10)).until(nats::isReady);
        camel = PlainCamel.context();
        camel.addComponent("nats", new FoowebNatsComponent(nats, new HeldReplies(1 << 20), new HedgeCounts(), null));
        camel.getRegistry().bind("nowOnly", new NowOnly());
        RouteBuilder.addRoutes(camel, routes -> routes.from("nats:work?queueName=q&concurrency=8&inline=#nowOnly")
                .process(exchange -> {
                    String body = new String(exchange.getMessage().getBody(byte[].class), StandardCharsets.UTF_8);
                    boolean onReader = java.util.Arrays.stream(Thread.currentThread().getStackTrace())
                            .anyMatch(frame -> frame.getClassName().equals("io.nats.client.impl.NatsConnectionReader"));
                    threads.add(body + " " + (onReader ? "jnats-reader " : "") + Thread.currentThread().getName());
                    if (body.startsWith("slow")) {
                        slowStarted.countDown();
                        release.await(20, TimeUnit.SECONDS);
                    }
                    exchange.getMessage().setBody(body.equals("now big") ? new byte[BIG_REPLY_BYTES]
                            : ("done " + body).getBytes(StandardCharsets.UTF_8));
                }));
        camel.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                return client.request("work", "probe".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(1)) != null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        camel.close();
        nats.close();
        client.close();
        server.close();
    }

    private String ask(String body) throws Exception {
        Message reply = client.request("work", body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        return new String(reply.getData(), StandardCharsets.UTF_8);
    }

    @Test
    void workThatCannotBlockRunsOnTheReaderThreadAndTheRestOnWorkers() throws Exception {
        assertEquals("done now", ask("now"));
        assertEquals("done later", ask("later"));

        String now = threads.stream().filter(t -> t.startsWith("now ")).findFirst().orElseThrow();
        String later = threads.stream().filter(t -> t.startsWith("later ")).findFirst().orElseThrow();
        assertTrue(now.contains("jnats-reader"), now);
        assertTrue(!later.contains("jnats-reader"), later);
        assertTrue(later.contains("nats-worker"), later);
    }

    @Test
    void repliesMadeOnTheReaderThreadGoOutWithoutJnatsWriterAndEachReachesItsCaller() throws Exception {
        Connection backend = nats.connectionOrNull();
        long writtenByJnats = backend.getStatistics().getOutMsgs();
        // sent together, so that many arrive in one socket read and their replies go out in one write
        List<CompletableFuture<Message>> asked = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            asked.add(client.request("work", ("now " + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < 500; i++) {
            assertEquals("done now " + i, new String(asked.get(i).get(5, TimeUnit.SECONDS).getData(), StandardCharsets.UTF_8));
        }
        // jnats counts what its writer sends; these replies were written by the reader thread itself
        assertEquals(writtenByJnats, backend.getStatistics().getOutMsgs());

        // a reply too big to keep, and one made on a worker, go to jnats' writer
        assertEquals(BIG_REPLY_BYTES, client.request("work", "now big".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5)).getData().length);
        assertEquals("done later", ask("later"));
        assertEquals(writtenByJnats + 2, backend.getStatistics().getOutMsgs());
    }

    @Test
    void aDrainAnswersEveryRequestTheWorkersHold() throws Exception {
        List<CompletableFuture<Message>> asked = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            asked.add(client.request("work", ("slow " + i).getBytes(StandardCharsets.UTF_8)));
        }
        assertTrue(slowStarted.await(10, TimeUnit.SECONDS), "the workers took the slow requests");
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
            try {
                nats.drainAndClose(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // the drain has begun once the queue group has nobody left to take a new request
        await("the subscription drained").atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                client.request("work", "probe".getBytes(StandardCharsets.UTF_8)).get(2, TimeUnit.SECONDS);
                return false;
            } catch (java.util.concurrent.ExecutionException noResponders) {
                return true;
            }
        });
        release.countDown();
        drained.get(15, TimeUnit.SECONDS);

        for (int i = 0; i < 8; i++) {
            assertEquals("done slow " + i, new String(asked.get(i).get(5, TimeUnit.SECONDS).getData(), StandardCharsets.UTF_8));
        }
    }
}
