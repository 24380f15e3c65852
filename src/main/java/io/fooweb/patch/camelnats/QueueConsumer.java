package io.fooweb.patch.camelnats;

import java.util.ArrayList;
import java.util.List;

import io.fooweb.nats.NatsConnector;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer of every {@code from: nats:} endpoint, on the process's shared connection: {@code concurrency} workers,
 * each a subscription of its own (in {@code queueName}'s queue group, if set) with its own jnats dispatcher thread,
 * handling one message at a time and replying (the body's bytes) before it takes the next. Because a worker replies
 * before it is done with a message, draining the connection answers everything already taken.
 * <p>
 * It subscribes once connected, and again on a connection that replaces one jnats closed for good. The exchange
 * carries the payload and the headers the endpoint's header filter lets in, nothing else.
 */
final class QueueConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(QueueConsumer.class);

    private final NatsConnector nats;
    private final int concurrency;
    private final List<AutoCloseable> workers = new ArrayList<>();

    QueueConsumer(NatsEndpoint endpoint, Processor processor, NatsConnector nats, int concurrency) {
        super(endpoint, processor);
        this.nats = nats;
        this.concurrency = concurrency;
    }

    @Override
    public NatsEndpoint getEndpoint() {
        return (NatsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        String subject = getEndpoint().getConfiguration().getTopic();
        String queue = getEndpoint().getConfiguration().getQueueName();
        for (int i = 0; i < concurrency; i++) {
            workers.add(nats.dispatch(connection -> {
                Dispatcher worker = connection.createDispatcher(message -> handle(connection, message));
                return queue == null || queue.isEmpty() ? worker.subscribe(subject) : worker.subscribe(subject, queue);
            }));
        }
        LOG.info("Serving {}{} with {} workers", subject, queue == null || queue.isEmpty() ? "" : " in queue group " + queue, concurrency);
    }

    private void handle(Connection connection, Message message) {
        Exchange exchange = createExchange(false);
        try {
            org.apache.camel.Message in = exchange.getIn();
            in.setBody(message.getData());
            if (message.hasHeaders()) {
                HeaderFilterStrategy filter = getEndpoint().getConfiguration().getHeaderFilterStrategy();
                message.getHeaders().forEach((name, values) -> {
                    if (!values.isEmpty() && (filter == null || !filter.applyFilterToExternalHeaders(name, values.get(0), exchange))) {
                        in.setHeader(name, values.get(0));
                    }
                });
            }
            if (message.getReplyTo() != null) {
                exchange.setPattern(ExchangePattern.InOut);
            }
            getProcessor().process(exchange);
            byte[] reply = exchange.getMessage().getBody(byte[].class);
            if (message.getReplyTo() != null && reply != null) {
                connection.publish(message.getReplyTo(), reply);
            }
        } catch (Exception e) {
            getExceptionHandler().handleException("Failed to handle a message on " + message.getSubject(), exchange, e);
        } finally {
            releaseExchange(exchange, false);
        }
    }

    @Override
    protected void doStop() throws Exception {
        // normally the connection was drained already (GracefulShutdown), which ended these subscriptions
        for (AutoCloseable worker : workers) {
            worker.close();
        }
        workers.clear();
        super.doStop();
    }
}
