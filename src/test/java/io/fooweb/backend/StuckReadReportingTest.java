package io.fooweb.backend;

import io.fooweb.FoowebMain;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.Prometheus;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.steering.LiveBackends;
import io.nats.client.Message;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's wiring of stuck-read reporting, both roles in one process: routes/backend.camel.yaml gives the file
 * reader the watch, whose meters are scraped at /observe/metrics and whose health check is part of readiness. The
 * stuck read is simulated on the backend's own watch (a worker thread that began a read and does not return), with
 * a request timeout of 300 ms to keep the test short. While it is stuck the backend is not ready for steering either:
 * no heartbeat, no answer to a probe, so the web sends to the queue group instead.
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.request.timeout=300")
class StuckReadReportingTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    @BeanInject("readWatch")
    ReadWatch readWatch;

    @BeanInject("fileReader")
    ConfinedFileReader fileReader;

    @BeanInject("backendPresence")
    BackendPresence presence;

    @BeanInject("natsConnector")
    NatsConnector nats;

    @BeanInject("liveBackends")
    LiveBackends liveBackends;

    Http management = env.management();

    @Test
    void aStuckReadShowsInMetricsAndReadinessUntilItReturns() throws Exception {
        env.awaitBackendServing();
        assertSame(readWatch, fileReader.watch());
        assertEquals(0.0, Prometheus.scrape(management).value("fooweb_backend_stuck_reads"));
        assertEquals(200, management.get("/observe/health/ready").statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> steeredTo() == 1);
        assertTrue(probeAnswered());

        Thread worker = new Thread(() -> {
            ReadWatch.Slot reading = readWatch.begin("/mnt/hung-nfs/file");
            try {
                Thread.sleep(Long.MAX_VALUE); // what a read from a hung mount looks like to the watch
            } catch (InterruptedException e) {
                reading.end();
            }
        }, "simulated-worker");
        worker.start();
        try {
            HttpResponse<String> down = await().atMost(Duration.ofSeconds(5))
                    .until(() -> management.get("/observe/health/ready?exposureLevel=full&data=true"), r -> r.statusCode() == 503);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> checks = (List<Map<String, Object>>) Http.json(down).get("checks");
            Map<String, Object> reads = checks.stream().filter(c -> "backend-reads".equals(c.get("name"))).findFirst().orElseThrow();
            assertEquals("DOWN", reads.get("status"), down.body());
            await().atMost(Duration.ofSeconds(5)).until(() -> Prometheus.scrape(management).value("fooweb_backend_stuck_reads_started_total") == 1.0);
            assertEquals(1.0, Prometheus.scrape(management).value("fooweb_backend_stuck_reads"));
            assertEquals(200, env.http().postForm("hello.txt").statusCode(), "the other workers still serve");
            // webs stop steering here: the heartbeats stop, probes go unanswered; the queue group still serves
            await().atMost(Duration.ofSeconds(5)).until(() -> steeredTo() == 0);
            assertFalse(probeAnswered());
            assertEquals(200, env.http().postForm("hello.txt").statusCode());
        } finally {
            worker.interrupt();
            worker.join();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> management.get("/observe/health/ready").statusCode() == 200);
        assertEquals(0.0, Prometheus.scrape(management).value("fooweb_backend_stuck_reads"));
        await().atMost(Duration.ofSeconds(5)).until(() -> steeredTo() == 1);
        assertTrue(probeAnswered());
    }

    private long steeredTo() {
        return ((Number) liveBackends.stats().get("live")).longValue();
    }

    private boolean probeAnswered() throws InterruptedException {
        try {
            Message reply = nats.connectionOrNull().request(presence.directSubject() + ".probe", new byte[0], Duration.ofMillis(500));
            return reply != null && !reply.isStatusMessage();
        } catch (IllegalStateException e) { // no responders (a CancellationException) or not connected
            return false;
        }
    }
}
