package io.fooweb;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The background work fooweb schedules itself (samplers, watchers, heartbeats): one daemon thread each, named. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A scheduler on one daemon thread called {@code name}, which never keeps the JVM from exiting. */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }
}
