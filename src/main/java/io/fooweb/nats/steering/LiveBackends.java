package io.fooweb.nats.steering;

import io.fooweb.DaemonThreads;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fooweb.nats.NatsConnector;
import io.fooweb.patch.camelnats.Balancer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nats.client.Connection;
import io.nats.client.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web's live set of fooweb backends, and where each request goes (the {@code balance} bean of the req route's
 * {@code to: nats:}), as client-side load balancers with outlier detection do it:
 * <ul>
 * <li>A backend joins when its heartbeat arrives (io.fooweb.backend.BackendPresence) and is ejected when none came for
 * {@code ejectAfter} ("silent"), or when {@code maxLate} sends in a row went unanswered past the hedge delay
 * ("unanswered": its heartbeats may still come, say over a one-way partition). A silent one returns with its next
 * heartbeat; an unanswered one returns when a probe to it is answered, asked every {@code probeInterval}. Late
 * sends never eject the last live backend: when every backend looks late at once, the web itself or the machine
 * stalled more likely than they all failed, and the queue group this would leave may still hold a cut-off backend's
 * subscription (as outlier detection's maximum ejection percentage caps it).</li>
 * <li>A request goes to the less loaded (fewer requests outstanding) of two different live backends picked at random; a hedge
 * or a resend to another than every earlier send. With no live backend it goes to the queue group, as before, which
 * also serves plain backends such as the original Go one (they get no request while a fooweb backend is live).</li>
 * </ul>
 * Only backends of this web's own subject count: one announcing {@code <other subject>.<id>} serves other requests
 * (webs and backends of several deployments may share a NATS and its presence subject).
 * Per request: a random pick, two atomic increments and decrements; membership costs one heartbeat message per backend
 * and interval.
 */
public class LiveBackends implements Balancer, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(LiveBackends.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    enum State { LIVE, SILENT, UNANSWERED }

    /** One backend as this web knows it. */
    static final class Backend implements Target {
        final String id;
        final String subject;
        final String name;
        volatile long lastHeard;
        volatile State state = State.LIVE;
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger lateInARow = new AtomicInteger();
        final LongAdder sends = new LongAdder();
        volatile boolean probing;
        volatile Meter sendMeter;

        Backend(String id, String subject, String name, long now) {
            this.id = id;
            this.subject = subject;
            this.name = name;
            this.lastHeard = now;
        }

        @Override
        public String subject() {
            return subject;
        }
    }

    private final boolean enabled;
    private final NatsConnector nats;
    private final String presenceSubject;
    private final String backendSubjectPrefix;
    private final long ejectAfterNanos;
    private final int maxLate;
    private final long probeIntervalMillis;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    private volatile Backend[] live = new Backend[0];
    private final LongAdder silentEjections = new LongAdder();
    private final LongAdder unansweredEjections = new LongAdder();
    private final LongAdder returns = new LongAdder();
    private volatile MeterRegistry meters;
    private ScheduledExecutorService sweeper;
    private AutoCloseable listening;

    /**
     * @param requestSubject      the subject this web's requests go to (fooweb.nats.subject); backends serve
     *                            {@code <requestSubject>.<id>} besides it
     * @param presenceSubject     where backends announce themselves (fooweb.steering.presence-subject)
     * @param ejectAfterMillis    silence after which a backend is ejected (fooweb.steering.eject-after)
     * @param maxLate             sends in a row left unanswered past the hedge delay that eject it (fooweb.steering.max-late)
     * @param probeIntervalMillis how often an ejected backend is looked at again (fooweb.steering.probe-interval)
     */
    public LiveBackends(NatsConnector nats, String requestSubject, String presenceSubject, long ejectAfterMillis, int maxLate,
            long probeIntervalMillis) {
        this(true, nats, requestSubject, presenceSubject, ejectAfterMillis, maxLate, probeIntervalMillis);
    }

    /** @param enabled false: every request goes to the queue group (fooweb.steering.enabled), the set is still kept */
    public LiveBackends(boolean enabled, NatsConnector nats, String requestSubject, String presenceSubject,
            long ejectAfterMillis, int maxLate, long probeIntervalMillis) {
        this.enabled = enabled;
        this.nats = nats;
        this.presenceSubject = presenceSubject;
        this.backendSubjectPrefix = requestSubject + ".";
        this.ejectAfterNanos = TimeUnit.MILLISECONDS.toNanos(ejectAfterMillis);
        this.maxLate = maxLate;
        this.probeIntervalMillis = probeIntervalMillis;
    }

    /** The bean's init method: listens to heartbeats once connected, and looks at the set every probe interval. */
    public synchronized void start() {
        listening = nats.dispatch(connection -> connection.createDispatcher(this::heard).subscribe(presenceSubject));
        sweeper = DaemonThreads.scheduler("fooweb-live-backends");
        sweeper.scheduleWithFixedDelay(this::sweep, probeIntervalMillis, probeIntervalMillis, TimeUnit.MILLISECONDS);
    }

    /** The bean's destroy method. */
    public synchronized void stop() throws Exception {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
        if (listening != null) {
            listening.close();
            listening = null;
        }
    }

    private boolean servesOurRequests(String backendSubject) {
        return backendSubject.startsWith(backendSubjectPrefix) && backendSubject.length() > backendSubjectPrefix.length()
                && backendSubject.indexOf('.', backendSubjectPrefix.length()) < 0;
    }

    private void heard(Message heartbeat) {
        JsonNode json;
        try {
            json = JSON.readTree(heartbeat.getData());
        } catch (IOException e) {
            return;
        }
        String id = json.path("id").asText("");
        String subject = json.path("subject").asText("");
        if (id.isEmpty() || !servesOurRequests(subject)) {
            return;
        }
        long now = System.nanoTime();
        boolean[] joined = {false};
        Backend backend = backends.computeIfAbsent(id, key -> {
            joined[0] = true;
            return new Backend(key, subject, json.path("backend").asText(key), now);
        });
        backend.lastHeard = now;
        if (joined[0]) {
            LOG.info("Backend {} joined ({})", backend.name, subject);
            MeterRegistry registry = meters;
            if (registry != null) {
                sendMeter(registry, backend);
            }
            relist();
        } else if (backend.state == State.SILENT) {
            back(backend, "its heartbeat came again");
        }
    }

    @Override
    public Target choose(Target[] already, int count) {
        Backend[] candidates = live;
        int size = candidates.length;
        if (size == 0 || !enabled) {
            return null;
        }
        long now = System.nanoTime();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // two different backends at random, the less loaded wins
        int first = random.nextInt(size);
        Backend one = candidates[first];
        Backend other = size > 1 ? candidates[(first + 1 + random.nextInt(size - 1)) % size] : null;
        boolean oneFits = fits(one, already, count, now);
        boolean otherFits = other != null && fits(other, already, count, now);
        Backend best = oneFits && otherFits ? (other.outstanding.get() < one.outstanding.get() ? other : one)
                : oneFits ? one : otherFits ? other : null;
        // else the first that fits after the first pick (ejected or already sent to, for a hedge)
        for (int i = 1; best == null && i < size; i++) {
            Backend candidate = candidates[(first + i) % size];
            if (candidate != other && fits(candidate, already, count, now)) {
                best = candidate;
            }
        }
        if (best != null) {
            best.outstanding.incrementAndGet();
            best.sends.increment();
        }
        return best;
    }

    private boolean fits(Backend candidate, Target[] already, int count, long now) {
        return usable(candidate, now) && !contains(already, count, candidate);
    }

    private boolean usable(Backend backend, long now) {
        if (backend.state != State.LIVE) {
            return false;
        }
        if (now - backend.lastHeard > ejectAfterNanos) {
            eject(backend, State.SILENT, "no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(now - backend.lastHeard) + " ms");
            return false;
        }
        return true;
    }

    private static boolean contains(Target[] already, int count, Backend candidate) {
        for (int i = 0; i < count; i++) {
            if (already[i] == candidate) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void late(Target target) {
        Backend backend = (Backend) target;
        if (backend.lateInARow.incrementAndGet() >= maxLate && backend.state == State.LIVE) {
            ejectUnlessLast(backend, backend.lateInARow.get() + " sends in a row unanswered");
        }
    }

    @Override
    public void done(Target target, boolean answered, long latencyNanos) {
        Backend backend = (Backend) target;
        backend.outstanding.decrementAndGet();
        if (answered) {
            backend.lateInARow.set(0);
        }
    }

    @Override
    public void gone(Target target) {
        Backend backend = (Backend) target;
        if (backend.state == State.LIVE) {
            eject(backend, State.UNANSWERED, "nobody serves its subject");
        }
    }

    private synchronized void eject(Backend backend, State why, String reason) {
        if (backend.state != State.LIVE) {
            return;
        }
        backend.state = why;
        (why == State.SILENT ? silentEjections : unansweredEjections).increment();
        relist();
        LOG.warn("Backend {} ejected: {}", backend.name, reason);
    }

    private synchronized void ejectUnlessLast(Backend backend, String reason) {
        if (live.length > 1) {
            eject(backend, State.UNANSWERED, reason);
        }
    }

    private synchronized void back(Backend backend, String reason) {
        if (backend.state == State.LIVE) {
            return;
        }
        backend.state = State.LIVE;
        backend.lateInARow.set(0);
        returns.increment();
        relist();
        LOG.info("Backend {} is back: {}", backend.name, reason);
    }

    private synchronized void relist() {
        live = backends.values().stream().filter(b -> b.state == State.LIVE).toArray(Backend[]::new);
    }

    /** Every probe interval: ejects the silent, probes the unanswered, forgets backends silent for a minute. */
    void sweep() {
        long now = System.nanoTime();
        for (Backend backend : backends.values()) {
            long silence = now - backend.lastHeard;
            if (backend.state == State.LIVE) {
                usable(backend, now);
            } else if (backend.state == State.UNANSWERED && silence <= ejectAfterNanos) {
                probe(backend);
            }
            if (silence > TimeUnit.MINUTES.toNanos(1) && backend.outstanding.get() == 0) {
                backends.remove(backend.id);
                Meter sendMeter = backend.sendMeter;
                MeterRegistry registry = meters;
                if (sendMeter != null && registry != null) {
                    registry.remove(sendMeter);
                }
                LOG.info("Backend {} forgotten after a minute of silence", backend.name);
            }
        }
    }

    private void probe(Backend backend) {
        Connection connection = nats.connectionOrNull();
        if (backend.probing || connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        backend.probing = true;
        try {
            // jnats times requests out only at its cleanup interval, seconds apart: the probe's own timeout is sooner
            connection.requestWithTimeout(backend.subject + ".probe", new byte[0], PROBE_TIMEOUT)
                    .orTimeout(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((reply, failure) -> {
                backend.probing = false;
                if (failure == null && reply != null && !reply.isStatusMessage()) {
                    back(backend, "it answered a probe");
                }
            });
        } catch (IllegalStateException e) {
            backend.probing = false;
        }
    }

    /** For /stats: the live set, and what happened to it. */
    public Map<String, Object> stats() {
        Map<String, Object> stats = new LinkedHashMap<>();
        List<Map<String, Object>> known = new ArrayList<>();
        for (Backend backend : backends.values()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("backend", backend.name);
            one.put("state", backend.state.name().toLowerCase());
            one.put("outstanding", backend.outstanding.get());
            one.put("sends", backend.sends.sum());
            known.add(one);
        }
        stats.put("steering", enabled);
        stats.put("live", live.length);
        stats.put("known", known);
        Map<String, Long> ejections = new LinkedHashMap<>();
        ejections.put("silent", silentEjections.sum());
        ejections.put("unanswered", unansweredEjections.sum());
        stats.put("ejections", ejections);
        stats.put("returns", returns.sum());
        return stats;
    }

    /**
     * fooweb_steering_backends_live, fooweb_steering_ejections_total{reason}, fooweb_steering_returns_total and
     * fooweb_steering_sends_total{backend}: what this web steered where.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("fooweb.steering.backends.live", this, backends -> backends.live.length)
                .description("fooweb backends this web sends requests to").strongReference(true).register(registry);
        FunctionCounter.builder("fooweb.steering.ejections", silentEjections, LongAdder::sum).tag("reason", "silent")
                .description("Backends this web stopped sending to: silent (no heartbeat), unanswered (its sends were not)")
                .register(registry);
        FunctionCounter.builder("fooweb.steering.ejections", unansweredEjections, LongAdder::sum).tag("reason", "unanswered")
                .description("Backends this web stopped sending to: silent (no heartbeat), unanswered (its sends were not)")
                .register(registry);
        FunctionCounter.builder("fooweb.steering.returns", returns, LongAdder::sum)
                .description("Ejected backends this web sends to again").register(registry);
        backends.values().forEach(backend -> sendMeter(registry, backend));
        meters = registry;
    }

    private static void sendMeter(MeterRegistry registry, Backend backend) {
        backend.sendMeter = FunctionCounter.builder("fooweb.steering.sends", backend.sends, LongAdder::sum).tag("backend", backend.name)
                .description("Requests (first sends and hedges) this web steered to each backend").register(registry);
    }
}
