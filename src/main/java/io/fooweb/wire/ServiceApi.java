package io.fooweb.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Names the backends answer under in the NATS service API (ADR-32), which the webs' cluster statistics ask, and the
 * name every process goes by in replies and statistics.
 */
public final class ServiceApi {

    /** The service name every backend registers under. */
    public static final String NAME = "fooweb";
    public static final String PREFIX = "$SRV.";
    /** Every backend answers its statistics here. */
    public static final String STATS_SUBJECT = PREFIX + "STATS." + NAME;

    private ServiceApi() {
    }

    /** host:pid of this process. */
    public static String hostAndPid() {
        try {
            return InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "localhost:" + ProcessHandle.current().pid();
        }
    }
}
