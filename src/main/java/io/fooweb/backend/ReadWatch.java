package io.fooweb.backend;

import io.fooweb.DaemonThreads;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a read that hangs visible (a hung network file system, a disk that stopped answering): no Java code can
 * interrupt a thread blocked in read(2), but nobody should have to guess why a worker answers nothing.
 * <p>
 * Each worker thread has a slot where it writes when its current read began (two volatile writes per request, no
 * allocation, no timer per request). One checker thread looks at the slots every quarter of the threshold: a read
 * past the threshold (the request timeout: its client has had a 504 already) is logged once with its file and
 * thread, counted in {@code fooweb_backend_stuck_reads_started_total}, and logged again when it returns. While any
 * read is past the threshold, {@code fooweb_backend_stuck_reads} is above 0 and {@link StuckReadsHealthCheck} takes
 * the backend out of readiness.
 */
public class ReadWatch implements MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(ReadWatch.class);

    private final long thresholdNanos;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Slot> own = ThreadLocal.withInitial(this::newSlot);
    private final LongAdder wentStuck = new LongAdder();
    private ScheduledExecutorService checker;

    /** A read past the threshold: what, by whom, and for how long so far. */
    public record StuckRead(String name, String thread, Duration duration) {
    }

    /** One worker thread's read in progress; 0 when it reads nothing. */
    public final class Slot {

        private final Thread thread = Thread.currentThread();
        private volatile String name;
        private volatile long startedNanos;
        /** the start the checker reported as stuck (only the checker reads and writes it) */
        private long reportedNanos;

        /** The read is over, however it ended. */
        public void end() {
            startedNanos = 0;
        }
    }

    /** @param thresholdMillis how long a read may take before it is reported; the request timeout */
    public ReadWatch(long thresholdMillis) {
        this.thresholdNanos = TimeUnit.MILLISECONDS.toNanos(thresholdMillis);
    }

    /** The calling thread begins to read {@code name}; end the returned slot when the read is over. */
    public Slot begin(String name) {
        Slot slot = own.get();
        slot.name = name;
        slot.startedNanos = System.nanoTime() | 1; // never 0, which means "not reading"
        return slot;
    }

    private Slot newSlot() {
        Slot slot = new Slot();
        slots.add(slot);
        return slot;
    }

    /** The bean's init method: starts the one checker thread. */
    public synchronized void start() {
        if (checker != null) {
            return;
        }
        checker = DaemonThreads.scheduler("fooweb-read-watch");
        long period = Math.max(TimeUnit.NANOSECONDS.toMillis(thresholdNanos) / 4, 10);
        checker.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** The bean's destroy method. */
    public synchronized void stop() {
        if (checker != null) {
            checker.shutdownNow();
            checker = null;
        }
    }

    /** Logs and counts reads that went past the threshold, and the stuck ones that returned; forgets dead threads. */
    void check() {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            long started = slot.startedNanos;
            if (slot.reportedNanos != 0 && started != slot.reportedNanos) {
                LOG.warn("A stuck read by {} returned after {} ms", slot.thread.getName(),
                        TimeUnit.NANOSECONDS.toMillis(now - slot.reportedNanos));
                slot.reportedNanos = 0;
            }
            if (started != 0 && started != slot.reportedNanos && now - started > thresholdNanos) {
                slot.reportedNanos = started;
                wentStuck.increment();
                LOG.warn("A read of {} by {} has taken {} ms, over the {} ms request timeout: this worker answers nothing"
                        + " until the read returns", slot.name, slot.thread.getName(), TimeUnit.NANOSECONDS.toMillis(now - started),
                        TimeUnit.NANOSECONDS.toMillis(thresholdNanos));
            }
            if (started == 0 && !slot.thread.isAlive()) {
                slots.remove(slot);
            }
        }
    }

    /** Whether any read is past the threshold now. */
    public boolean anyStuck() {
        long now = System.nanoTime();
        return slots.stream().anyMatch(slot -> {
            long started = slot.startedNanos;
            return started != 0 && now - started > thresholdNanos;
        });
    }

    /** The reads past the threshold now, the longest first. */
    public List<StuckRead> stuck() {
        long now = System.nanoTime();
        return slots.stream()
                .map(slot -> {
                    long started = slot.startedNanos;
                    return started != 0 && now - started > thresholdNanos
                            ? Optional.of(new StuckRead(slot.name, slot.thread.getName(), Duration.ofNanos(now - started)))
                            : Optional.<StuckRead>empty();
                })
                .flatMap(Optional::stream)
                .sorted((a, b) -> b.duration().compareTo(a.duration()))
                .toList();
    }

    /** Reads that went past the threshold since the backend started (each counted once). */
    public long stuckSinceStart() {
        return wentStuck.sum();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("fooweb.backend.stuck.reads", this, watch -> watch.stuck().size())
                .description("Reads in progress for longer than the request timeout; each holds a worker").strongReference(true)
                .register(registry);
        FunctionCounter.builder("fooweb.backend.stuck.reads.started", this, ReadWatch::stuckSinceStart)
                .description("Reads that went on for longer than the request timeout").register(registry);
    }
}
