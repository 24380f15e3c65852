package io.fooweb.nats;

/**
 * The process has no usable NATS connection: not connected yet, reconnecting (no reconnect buffer: a request made then
 * fails at once instead of arriving late), draining, closed, or lost with a request in flight. The web answers it 503
 * {@code nats_unavailable} (routes/web.camel.yaml).
 */
public class NatsUnavailableException extends RuntimeException {

    public NatsUnavailableException(String message) {
        super(message);
    }

    public NatsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
