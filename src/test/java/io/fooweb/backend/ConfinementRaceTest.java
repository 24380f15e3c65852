package io.fooweb.backend;

import io.fooweb.FoowebMain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attacker who may write inside a root races the backend, over real HTTP, NATS and backend workers: the swaps of
 * issue 14. Each race runs {@code -Dfooweb.race.seconds} (3 by default; run it longer by hand).
 */
@CamelMainTest(mainClass = FoowebMain.class)
class ConfinementRaceTest {

    static final long SECONDS = Long.getLong("fooweb.race.seconds", 3);
    static final int CLIENTS = 6;

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    @BeanInject("readWatch")
    ReadWatch readWatch;

    Http http = env.http();
    Path race;
    final AtomicBoolean running = new AtomicBoolean(true);
    final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void serving() throws IOException {
        env.awaitBackendServing();
        race = Files.createDirectories(env.directory().resolve("race-" + System.nanoTime()));
    }

    @AfterEach
    void stop() {
        running.set(false);
        threads.shutdownNow();
    }

    @Test
    void aDirectorySwappedForASymlinkToOutsideNeverLeaksTheOutsideFile() throws Exception {
        String marker = "OUTSIDE-THE-ROOTS-" + System.nanoTime();
        Path outside = Files.createDirectories(Path.of("target", "outside-" + System.nanoTime()).toAbsolutePath());
        Files.writeString(outside.resolve("passwd"), marker);
        Path x = Files.createDirectories(race.resolve("x"));
        Files.writeString(x.resolve("passwd"), "harmless\n");
        Path parked = race.resolve("x.parked");
        AtomicLong swaps = new AtomicLong();
        Future<?> racer = threads.submit(() -> swapForever(swaps, () -> {
            Files.move(x, parked, StandardCopyOption.ATOMIC_MOVE);
            Files.createSymbolicLink(x, outside);
            Files.delete(x);
            Files.move(parked, x, StandardCopyOption.ATOMIC_MOVE);
        }));

        Map<String, Long> answers = request(x.resolve("passwd").toString(), body -> assertFalse(body.contains(marker), body));
        racer.cancel(true);

        System.out.printf("directory/symlink race: %d s, %d swaps, answers %s%n", SECONDS, swaps.get(), answers);
        assertTrue(answers.keySet().stream().allMatch(a -> a.equals("200") || a.equals("403 outside_roots") || a.equals("404 not_found")),
                answers.toString());
        assertTrue(answers.getOrDefault("200", 0L) > 0 && answers.getOrDefault("403 outside_roots", 0L) > 0,
                "the race must meet both states: " + answers);
    }

    @Test
    void aFileSwappedForAFifoWedgesNoWorker() throws Exception {
        Path fifo = race.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path file = race.resolve("f");
        Files.writeString(file, "regular\n");
        AtomicLong swaps = new AtomicLong();
        Future<?> racer = threads.submit(() -> swapForever(swaps, () -> {
            Path link = race.resolve("f.fifo");
            Files.createLink(link, fifo);
            Files.move(link, file, StandardCopyOption.ATOMIC_MOVE);
            Path regular = Files.writeString(race.resolve("f.regular"), "regular\n");
            Files.move(regular, file, StandardCopyOption.ATOMIC_MOVE);
        }));

        Map<String, Long> answers = request(file.toString(), body -> { });
        racer.cancel(true);

        System.out.printf("file/FIFO race: %d s, %d swaps, answers %s%n", SECONDS, swaps.get(), answers);
        assertTrue(answers.keySet().stream().allMatch(a -> a.equals("200") || a.equals("403 not_regular_file")), answers.toString());
        assertTrue(answers.getOrDefault("200", 0L) > 0 && answers.getOrDefault("403 not_regular_file", 0L) > 0,
                "the race must meet both states: " + answers);
        // every worker is free: more concurrent requests than workers, each answered within the request timeout
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(() -> http.postForm("hello.txt").statusCode());
        }
        for (Future<Integer> status : threads.invokeAll(calls)) {
            assertEquals(200, status.get());
        }
        assertEquals(0, readWatch.stuckSinceStart());
    }

    interface Swap {
        void once() throws IOException;
    }

    private void swapForever(AtomicLong swaps, Swap swap) {
        while (running.get() && !Thread.currentThread().isInterrupted()) {
            try {
                swap.once();
                swaps.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    interface BodyCheck {
        void check(String body);
    }

    /** Requests {@code name} from CLIENTS threads for SECONDS: how many of each answer ("200", "403 outside_roots"). */
    private Map<String, Long> request(String name, BodyCheck check) throws Exception {
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
        List<Future<?>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(threads.submit(() -> {
                while (System.nanoTime() < end) {
                    HttpResponse<String> response = http.postForm(name);
                    check.check(response.body());
                    String answer = response.statusCode() == 200 ? "200" : response.statusCode() + " " + Http.json(response).get("error");
                    answers.computeIfAbsent(answer, a -> new LongAdder()).increment();
                }
                return null;
            }));
        }
        for (Future<?> client : clients) {
            client.get();
        }
        Map<String, Long> counts = new TreeMap<>();
        answers.forEach((answer, count) -> counts.put(answer, count.sum()));
        return counts;
    }
}
