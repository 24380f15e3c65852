package io.fooweb.backend.confined;

import io.fooweb.wire.FoowebException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The directory/symlink swap of issue 14 against the reader alone, thousands of reads a second (the backend race,
 * ConfinementRaceTest, is bounded by HTTP and NATS): with openat2 and with the walk. Each runs
 * {@code -Dfooweb.race.seconds} (3 by default).
 */
abstract class RaceTest {

    static final long SECONDS = Long.getLong("fooweb.race.seconds", 3);

    @TempDir
    Path tmp;
    Roots roots;
    ConfinedRead reader;
    final ExecutorService threads = Executors.newCachedThreadPool();
    final AtomicBoolean running = new AtomicBoolean(true);

    abstract ConfinedRead reader(Roots roots);

    static class Openat2 extends RaceTest {
        @Override
        ConfinedRead reader(Roots roots) {
            LibC.link();
            return new BeneathReader(roots, 1024, true);
        }
    }

    static class Walk extends RaceTest {
        @Override
        ConfinedRead reader(Roots roots) {
            LibC.link();
            return new BeneathReader(roots, 1024, false);
        }
    }

    @AfterEach
    void tearDown() {
        running.set(false);
        threads.shutdownNow();
        if (reader != null) {
            reader.close();
        }
    }

    @Test
    void directorySwappedForASymlinkToOutside() throws Exception {
        String marker = "OUTSIDE-" + System.nanoTime();
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside/a/b"));
        Files.writeString(outside.resolve("passwd"), marker);
        Path x = Files.createDirectories(root.resolve("a/b"));
        Files.writeString(x.resolve("passwd"), "harmless\n");
        // the swapped directory is one level down, so the escape needs a component in the middle of the name
        Path swapped = root.resolve("a");
        Path parked = root.resolve("a.parked");
        roots = new Roots(root.toString());
        reader = reader(roots);
        Future<?> racer = threads.submit(() -> {
            while (running.get()) {
                Files.move(swapped, parked, StandardCopyOption.ATOMIC_MOVE);
                Files.createSymbolicLink(swapped, tmp.resolve("outside/a"));
                Files.delete(swapped);
                Files.move(parked, swapped, StandardCopyOption.ATOMIC_MOVE);
            }
            return null;
        });

        Map<String, Long> answers = new TreeMap<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        Roots.Located name = roots.locate(x.resolve("passwd").toString());
        while (System.nanoTime() < end) {
            String answer;
            try {
                String body = new String(reader.read(name).bytes(), StandardCharsets.UTF_8);
                assertFalse(body.contains(marker), "read outside the root: " + body);
                answer = "200";
            } catch (FoowebException e) {
                answer = e.getStatus() + " " + e.getCode();
            }
            answers.merge(answer, 1L, Long::sum);
        }
        running.set(false);
        racer.get();

        System.out.printf("%s directory/symlink race: %d s, answers %s%n", getClass().getSimpleName(), SECONDS, answers);
        assertTrue(answers.getOrDefault("200", 0L) > 0 && answers.getOrDefault("403 outside_roots", 0L) > 0, answers.toString());
    }
}
