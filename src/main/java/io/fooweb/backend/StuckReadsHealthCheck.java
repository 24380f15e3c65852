package io.fooweb.backend;

import java.util.List;
import java.util.Map;

import io.fooweb.metrics.ReadinessCheck;
import org.apache.camel.health.HealthCheckResultBuilder;


/**
 * Readiness of a backend: DOWN while a worker is stuck in a read for longer than the request timeout
 * ({@link ReadWatch}), with the file, the thread and how long in the details. Not liveness: a restart cannot end a
 * read the kernel holds (a hung NFS mount), and the other workers still serve.
 */
public class StuckReadsHealthCheck extends ReadinessCheck {

    public static final String STUCK = "backend.stuck.reads";
    public static final String OLDEST = "backend.stuck.oldest";

    private final ReadWatch watch;

    public StuckReadsHealthCheck(ReadWatch watch) {
        super("backend-reads");
        this.watch = watch;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<ReadWatch.StuckRead> stuck = watch.stuck();
        builder.detail(STUCK, stuck.size());
        if (stuck.isEmpty()) {
            builder.up();
            return;
        }
        ReadWatch.StuckRead oldest = stuck.get(0);
        builder.detail(OLDEST, oldest.name() + " by " + oldest.thread() + " for " + oldest.duration().toMillis() + " ms");
        builder.message(stuck.size() + " read(s) stuck for longer than the request timeout");
        builder.down();
    }
}
