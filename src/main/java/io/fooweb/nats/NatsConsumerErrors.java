package io.fooweb.nats;

import io.nats.client.Connection;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what goes wrong inside a camel-nats consumer. After GracefulShutdown drained and closed the connection, the
 * consumer's own stop fails to unsubscribe a dispatcher that no longer exists: expected, so only a debug line.
 */
public class NatsConsumerErrors implements ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger("io.fooweb.backend");
    private final NatsConnector nats;

    public NatsConsumerErrors(NatsConnector nats) {
        this.nats = nats;
    }

    @Override
    public void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        Connection connection = nats.connectionOrNull();
        if (exception instanceof IllegalStateException && connection != null && connection.getStatus() == Connection.Status.CLOSED) {
            LOG.debug("{} after the NATS connection closed: {}", message, exception.toString());
        } else {
            LOG.warn("NATS consumer: {}", message, exception);
        }
    }
}
