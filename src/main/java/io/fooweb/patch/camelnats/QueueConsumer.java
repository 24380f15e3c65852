package io.fooweb.patch.camelnats;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.fooweb.nats.NatsConnector;
import io.fooweb.patch.jnats.ReaderThreadWrites;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageHandler;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer of every {@code from: nats:} endpoint, on the process's shared connection, in {@code queueName}'s queue
 * group if set; it subscribes once connected, and again on a connection that replaces one jnats closed for good. The
 * exchange carries the payload and the headers the endpoint's header filter lets in; the reply is the body's bytes.
 * <ul>
 * <li>Where jnats hands messages over on its reader thread ({@link NatsConnector#dispatchesOnReaderThread()}): one
 * subscription. A message whose work the endpoint's {@code inline} bean can do without blocking ({@link NonBlocking})
 * runs the route right there, with no thread woken; any other goes to {@code concurrency} worker threads. Each counts
 * as pending until answered, so draining the connection answers everything taken.</li>
 * <li>Elsewhere: {@code concurrency} subscriptions, each with its own dispatcher thread that runs the route.</li>
 * </ul>
 */
final class QueueConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(QueueConsumer.class);
    /** Beside an addressable consumer's own subject: answered at once, empty, to say the subject reaches it. */
    static final String PROBE = ".probe";

    private final NatsConnector nats;
    private final int concurrency;
    private final NonBlocking inline;
    private final Addressable addressable;
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private ExecutorService workers;

    QueueConsumer(NatsEndpoint endpoint, Processor processor, NatsConnector nats, int concurrency, NonBlocking inline,
            Addressable addressable) {
        super(endpoint, processor);
        this.nats = nats;
        this.concurrency = concurrency;
        this.inline = inline;
        this.addressable = addressable;
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
        boolean onReaderThread = nats.dispatchesOnReaderThread();
        if (onReaderThread) {
            workers = getEndpoint().getCamelContext().getExecutorServiceManager().newFixedThreadPool(this, "nats-worker", concurrency);
        }
        for (int i = 0; i < (onReaderThread ? 1 : concurrency); i++) {
            boolean first = i == 0;
            subscriptions.add(nats.dispatch(connection -> {
                Dispatcher dispatcher = connection.createDispatcher(new Handler(connection));
                if (queue == null || queue.isEmpty()) {
                    dispatcher.subscribe(subject);
                } else {
                    dispatcher.subscribe(subject, queue);
                }
                if (first && addressable != null) {
                    dispatcher.subscribe(addressable.directSubject());
                    dispatcher.subscribe(addressable.directSubject() + PROBE);
                    addressable.serving();
                }
                return dispatcher;
            }));
        }
        LOG.info("Serving {}{} with {} workers{}", subject, queue == null || queue.isEmpty() ? "" : " in queue group " + queue,
                concurrency, onReaderThread ? (inline != null ? ", reads that cannot block on the reader thread" : "") : " (one subscription each)");
    }

    /** One connection's messages: {@code onMessage} on a dispatcher thread, {@code accept} on the reader thread. */
    private final class Handler implements MessageHandler, BiConsumer<Message, Runnable> {

        private final Connection connection;

        Handler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onMessage(Message message) {
            if (!probe(message, addressable)) {
                handle(connection, message, exchange(message));
            }
        }

        @Override
        public void accept(Message message, Runnable done) {
            if (probe(message, addressable)) {
                done.run();
                return;
            }
            Exchange exchange = exchange(message);
            if (inline != null && inline.tryWithoutBlocking(exchange)) {
                try {
                    handle(connection, message, exchange);
                } finally {
                    done.run();
                }
                return;
            }
            try {
                workers.execute(() -> {
                    try {
                        handle(connection, message, exchange);
                    } finally {
                        done.run();
                    }
                });
            } catch (RejectedExecutionException e) {
                // stopping: the message is dropped unanswered, as an unsubscribed one would be
                releaseExchange(exchange, false);
                done.run();
            }
        }
    }

    /**
     * A probe of the own subject: answered here, on the same subscription's dispatcher as the subject itself, while the
     * instance is ready (else left unanswered, as an unreachable one's would be).
     */
    private static boolean probe(Message message, Addressable addressable) {
        if (!message.getSubject().endsWith(PROBE) || message.getReplyTo() == null) {
            return false;
        }
        if (addressable.ready()) {
            ReaderThreadWrites.publish(message.getConnection(), message.getReplyTo(), new byte[0]);
        }
        return true;
    }

    private Exchange exchange(Message message) {
        Exchange exchange = createExchange(false);
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
        return exchange;
    }

    private void handle(Connection connection, Message message, Exchange exchange) {
        try {
            getProcessor().process(exchange);
            byte[] reply = exchange.getMessage().getBody(byte[].class);
            if (message.getReplyTo() != null && reply != null) {
                ReaderThreadWrites.publish(connection, message.getReplyTo(), reply);
            }
        } catch (Exception e) {
            getExceptionHandler().handleException("Failed to handle a message on " + message.getSubject(), exchange, e);
        } finally {
            releaseExchange(exchange, false);
        }
    }

    @Override
    protected void doStop() throws Exception {
        // normally the connection was drained already (GracefulShutdown), which answered what the workers held
        for (AutoCloseable subscription : subscriptions) {
            subscription.close();
        }
        subscriptions.clear();
        if (workers != null) {
            workers.shutdown();
            workers.awaitTermination(10, TimeUnit.SECONDS);
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(workers);
            workers = null;
        }
        super.doStop();
    }
}
