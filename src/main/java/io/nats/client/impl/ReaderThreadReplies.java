package io.nats.client.impl;

import io.nats.client.Dispatcher;
import io.nats.client.MessageHandler;

/**
 * jnats' dispatchers, except that the one serving the connection's request inbox completes each reply's future on the
 * connection's reader thread, with no inbox-dispatcher thread and hand-off in between. Whoever waits on a request
 * future must hand its work off at once (fooweb's producer posts it to the request's event loop) and never block: a
 * step that blocked here would stall every message of the connection.
 * <p>
 * In jnats' package because its {@code DispatcherFactory} hook is package-private (jnats 2.26.2, whose message queue
 * classes this is written against). Where our classes are loaded apart from jnats' (Camel JBang compiles the sources
 * in a class loader of its own), it cannot be used and {@link #factoryOrNull()} says so.
 */
public final class ReaderThreadReplies extends DispatcherFactory {

    private ReaderThreadReplies() {
    }

    /** The factory, or null where this class cannot reach jnats' package-private members. */
    public static DispatcherFactory factoryOrNull() {
        if (ReaderThreadReplies.class.getClassLoader() != DispatcherFactory.class.getClassLoader()) {
            return null;
        }
        return new ReaderThreadReplies();
    }

    @Override
    NatsDispatcher createDispatcher(NatsConnection connection, MessageHandler handler) {
        if (connection.getOptions().useDispatcherWithExecutor()) {
            return new NatsDispatcherWithExecutor(connection, handler);
        }
        return new InboxDispatcher(connection, handler);
    }

    /** A plain NatsDispatcher until it subscribes the connection's request inbox; from then on it runs inline. */
    private static final class InboxDispatcher extends NatsDispatcher {

        private volatile boolean inline;
        private final ConsumerMessageQueue inlineQueue = new ConsumerMessageQueue() {
            @Override
            void push(NatsMessage message) {
                NatsSubscription subscription = message.getNatsSubscription();
                if (subscription == null || !subscription.isActive()) {
                    return;
                }
                MessageHandler handler = nonDefaultHandlerBySid.get(subscription.getSID());
                if (handler == null) {
                    handler = defaultHandler;
                }
                if (handler == null) {
                    return;
                }
                subscription.incrementDeliveredCount();
                incrementDeliveredCount();
                try {
                    handler.onMessage(message);
                } catch (Exception e) {
                    connection.processException(e);
                }
                if (subscription.reachedUnsubLimit()) {
                    connection.invalidate(subscription);
                }
            }

            @Override
            void pause() {
                super.pause();
                incoming.pause();
            }

            @Override
            void drain() {
                super.drain();
                incoming.drain();
            }
        };

        InboxDispatcher(NatsConnection connection, MessageHandler handler) {
            super(connection, handler);
        }

        @Override
        public Dispatcher subscribe(String subject) {
            if (subject.equals(connection.mainInbox)) {
                // before the SUB goes out, so that no reply reaches the threaded queue
                inline = true;
            }
            return super.subscribe(subject);
        }

        @Override
        ConsumerMessageQueue getMessageQueue() {
            return inline ? inlineQueue : incoming;
        }
    }
}
