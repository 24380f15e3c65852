package io.fooweb.nats;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

import io.nats.client.Connection;
import io.fooweb.metrics.ReadinessCheck;
import org.apache.camel.health.HealthCheckResultBuilder;


/**
 * Readiness of this process: DOWN while its one NATS connection is not CONNECTED (not connected yet, reconnecting,
 * draining, closed), UP when it is. camel-nats has no health check of its own, and the shared connection belongs to
 * {@link NatsConnector}, not to camel-nats.
 * <p>
 * Not a liveness check: a process waiting for NATS is healthy, just not ready, and restarting it would not bring NATS
 * back. The details carry the connection status and the server it is connected to, without credentials.
 */
public class NatsHealthCheck extends ReadinessCheck {

    public static final String STATUS = "nats.status";
    public static final String SERVER = "nats.server";

    private final NatsConnector nats;

    public NatsHealthCheck(NatsConnector nats) {
        super("nats");
        this.nats = nats;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Connection connection = nats.connectionOrNull();
        String status = connection == null ? "NOT_CONNECTED_YET" : connection.getStatus().name();
        builder.detail(STATUS, status);
        if (connection != null && connection.getStatus() == Connection.Status.CONNECTED) {
            builder.detail(SERVER, withoutCredentials(connection.getConnectedUrl()));
            builder.up();
        } else {
            builder.message("NATS connection is " + status);
            builder.down();
        }
    }

    /** nats://user:secret@host:4222 -> nats://host:4222 (jnats' connected URL keeps the user info). */
    static String withoutCredentials(String url) {
        if (url == null) {
            return "";
        }
        try {
            URI uri = new URI(url);
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null).toString();
        } catch (URISyntaxException e) {
            return "(unparseable URL)";
        }
    }
}
