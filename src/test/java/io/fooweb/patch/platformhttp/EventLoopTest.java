package io.fooweb.patch.platformhttp;

import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web's routes run on the event loop and no thread waits for a backend's reply (io.fooweb.patch.platformhttp.EventLoopHttpConsumer):
 * how many requests wait for their backends at once is not capped by a thread pool, and the rest of a route runs on
 * the request's event loop, not on jnats' one reply dispatcher. The test plays the backend.
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.role=web")
class EventLoopTest {

    /** Above Vert.x's 20 worker threads and the 64 the web used to configure for waiting on replies. */
    private static final int HELD = 100;

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();

    @Test
    void requestsWaitingForTheirBackendsAreNotCappedByThreads() throws Exception {
        env.awaitWebConnectedWithoutBackend();
        ExecutorService clients = Executors.newFixedThreadPool(HELD);
        try (Connection backend = Nats.connect(env.nats().url())) {
            // holds every request unanswered
            CopyOnWriteArrayList<Message> held = new CopyOnWriteArrayList<>();
            backend.createDispatcher(held::add).subscribe("fooweb_req", "fooweb_queue");
            backend.flush(Duration.ofSeconds(2));

            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < HELD; i++) {
                String filename = "/held/" + i;
                answers.add(clients.submit(() -> http.postForm(filename)));
            }
            // all of them reach the backend while none has been answered (well within the 2 s request timeout)
            // (counted by request id: the web hedges a few of them, and a hedge's answer is as good as the first's)
            await("all requests at the backend at once").atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(10))
                    .until(() -> held.stream().map(m -> m.getHeaders().getFirst("Fooweb-Request-Id")).distinct().count() == HELD);

            for (Message request : held) {
                backend.publish(request.getReplyTo(), ("echo:" + new String(request.getData(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < HELD; i++) {
                HttpResponse<String> answer = answers.get(i).get();
                assertEquals(200, answer.statusCode(), answer.body());
                assertEquals(Map.of("file_contents", "echo:/held/" + i), Http.json(answer));
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void theRouteGoesOnAfterTheReplyOnTheEventLoop() throws Exception {
        env.awaitWebConnectedWithoutBackend();
        try (Connection backend = Nats.connect(env.nats().url())) {
            backend.createDispatcher(request -> backend.publish(request.getReplyTo(), "echo".getBytes(StandardCharsets.UTF_8)))
                    .subscribe("fooweb_req", "fooweb_queue");
            backend.flush(Duration.ofSeconds(2));

            HttpResponse<String> answer = http.postForm("/etc/hostname");

            assertEquals(200, answer.statusCode(), answer.body());
            // the request log line is the route's last step before the answer is written
            String id = answer.headers().firstValue("X-Request-Id").orElseThrow();
            log.awaitLines("io.fooweb.access", "id=" + id + " ");
            List<String> threads = log.threads("io.fooweb.access", "id=" + id + " ");
            assertEquals(1, threads.size(), threads.toString());
            assertTrue(threads.get(0).startsWith("vert.x-eventloop-thread-"), threads.get(0));
        }
    }
}
