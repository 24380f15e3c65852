package io.fooweb.backend;

import io.fooweb.backend.confined.ConfinedRead;
import io.fooweb.backend.confined.Roots;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fooweb.fixture.CapturedLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read that hangs (no FUSE here to hang a real one: an injected read source that blocks until released) is
 * reported while it lasts: a log line, the meters, readiness DOWN; and when it returns, everything is back.
 */
class ReadWatchTest {

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @TempDir
    Path tmp;

    final ReadWatch watch = new ReadWatch(100);
    final CountDownLatch release = new CountDownLatch(1);
    final ExecutorService workers = Executors.newFixedThreadPool(2, runnable -> new Thread(runnable, "test-worker"));

    @AfterEach
    void stop() {
        release.countDown();
        workers.shutdownNow();
        watch.stop();
    }

    /** Reads "hang" block until released; any other name is read at once. */
    ConfinedFileReader reader() throws Exception {
        Files.writeString(tmp.resolve("hang"), "slow");
        Files.writeString(tmp.resolve("quick"), "quick");
        ConfinedRead hanging = new ConfinedRead() {
            @Override
            public FileSlice read(Roots.Located file) {
                if (file.names().equals(List.of("hang"))) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return new FileSlice(new byte[0], 0, false);
            }

            @Override
            public String describe() {
                return "hangs on demand";
            }
        };
        return new ConfinedFileReader(new Roots(tmp.toString()), hanging, watch);
    }

    @Test
    void aStuckReadIsLoggedCountedAndTakesTheBackendOutOfReadiness() throws Exception {
        ConfinedFileReader reader = reader();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        watch.bindTo(meters);
        StuckReadsHealthCheck health = new StuckReadsHealthCheck(watch);
        watch.start();

        reader.read("quick");
        Future<FileSlice> stuck = workers.submit(() -> reader.read(tmp.resolve("hang").toString()));
        await().atMost(Duration.ofSeconds(5)).until(() -> !log.lines("io.fooweb.backend.ReadWatch", "A read of ").isEmpty());

        String line = log.lines("io.fooweb.backend.ReadWatch", "A read of ").get(0);
        assertTrue(line.contains(tmp.resolve("hang") + " by test-worker has taken ") && line.contains("over the 100 ms request timeout"), line);
        assertEquals(1, watch.stuck().size());
        assertEquals(1.0, meters.get("fooweb.backend.stuck.reads").gauge().value());
        assertEquals(1.0, meters.get("fooweb.backend.stuck.reads.started").functionCounter().count());
        HealthCheck.Result down = health.call();
        assertEquals(HealthCheck.State.DOWN, down.getState());
        assertEquals(1, down.getDetails().get(StuckReadsHealthCheck.STUCK));
        assertTrue(String.valueOf(down.getDetails().get(StuckReadsHealthCheck.OLDEST)).startsWith(tmp.resolve("hang") + " by test-worker for "));
        // the other workers still serve, and a quick read is never reported
        workers.submit(() -> reader.read("quick")).get();
        assertEquals(1, watch.stuck().size());

        release.countDown();
        stuck.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> !log.lines("io.fooweb.backend.ReadWatch", "A stuck read by test-worker returned after ").isEmpty());
        assertEquals(0.0, meters.get("fooweb.backend.stuck.reads").gauge().value());
        assertEquals(HealthCheck.State.UP, health.call().getState());
        assertEquals(1.0, meters.get("fooweb.backend.stuck.reads.started").functionCounter().count(), "each stuck read counts once");
        assertEquals(1, log.lines("io.fooweb.backend.ReadWatch", "A read of ").size(), "each stuck read is logged once");
    }

    @Test
    void readsWithinTheTimeoutAreNeverReported() throws Exception {
        ConfinedFileReader reader = reader();
        watch.start();
        for (int i = 0; i < 1000; i++) {
            reader.read("quick");
        }
        watch.check();
        assertEquals(0, watch.stuckSinceStart());
        assertEquals(List.of(), watch.stuck());
    }
}
