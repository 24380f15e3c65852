package io.fooweb.backend;

import io.fooweb.DaemonThreads;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.fooweb.nats.NatsConnector;
import io.fooweb.patch.camelnats.Addressable;
import io.fooweb.wire.ServiceApi;
import io.nats.client.Connection;
import io.nats.client.NUID;

/**
 * This backend as webs see it: a subject of its own ({@code <subject>.<id>}), which the backend route serves besides
 * the queue group, and a heartbeat on the presence subject every interval once it does, which webs keep their live
 * set with (io.fooweb.nats.steering.LiveBackends). The backend route's consumer also answers probes on
 * {@code <subject>.<id>.probe}, on the subscription of that subject: a web that stopped sending here because its
 * requests went unanswered asks that way whether they would reach it again.
 * <p>
 * While a read is stuck (the backend is not ready, {@link StuckReadsHealthCheck}) it neither heartbeats nor answers
 * probes, so that webs send elsewhere, as an orchestrator stops routing to a pod that is not ready; it still serves its
 * share of the queue group's requests.
 * <p>
 * Plain clients and the original Go web still reach it through the queue group, as before.
 */
public class BackendPresence implements Addressable {

    private final NatsConnector nats;
    private final String presenceSubject;
    private final long intervalMillis;
    private final String directSubject;
    private final byte[] heartbeat;
    private final ReadWatch reads;
    private volatile boolean serving;
    private ScheduledExecutorService beating;

    /**
     * @param subject         the subject the backend route serves (fooweb.nats.subject)
     * @param presenceSubject where backends announce themselves (fooweb.steering.presence-subject)
     * @param intervalMillis  milliseconds between heartbeats (fooweb.steering.heartbeat-interval)
     * @param reads           the backend's reads, for its readiness
     */
    public BackendPresence(NatsConnector nats, String subject, String presenceSubject, long intervalMillis, ReadWatch reads) {
        this.nats = nats;
        this.presenceSubject = presenceSubject;
        this.intervalMillis = intervalMillis;
        this.reads = reads;
        String id = NUID.nextGlobal();
        this.directSubject = subject + "." + id;
        this.heartbeat = ("{\"id\":\"" + id + "\",\"subject\":\"" + directSubject + "\",\"backend\":\"" + ServiceApi.hostAndPid() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String directSubject() {
        return directSubject;
    }

    @Override
    public boolean ready() {
        return !reads.anyStuck();
    }

    @Override
    public void serving() {
        serving = true;
        beat();
    }

    /** The bean's init method: heartbeats once serving. */
    public synchronized void start() {
        beating = DaemonThreads.scheduler("fooweb-presence");
        beating.scheduleAtFixedRate(this::beat, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        Connection connection = nats.connectionOrNull();
        if (serving && connection != null && connection.getStatus() == Connection.Status.CONNECTED && ready()) {
            try {
                connection.publish(presenceSubject, heartbeat);
            } catch (IllegalStateException e) {
                // closing or draining: webs find the silence
            }
        }
    }

    /** The bean's destroy method. */
    public synchronized void stop() throws Exception {
        serving = false;
        if (beating != null) {
            beating.shutdownNow();
            beating = null;
        }
    }
}
