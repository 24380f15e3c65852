package io.nats.client.impl;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageHandler;

/**
 * jnats' dispatchers, except for two kinds whose messages are handled on the connection's reader thread, with no
 * dispatcher thread and hand-off in between:
 * <ul>
 * <li>the dispatcher of the connection's request inbox: a reply completes its request's future on the reader thread;
 * whoever waits on it must hand its work off at once (fooweb's producer posts it to the request's event loop);</li>
 * <li>a dispatcher whose handler is also a {@code BiConsumer<Message, Runnable>}: it gets each message with a
 * {@code done} to run once the message is answered (at once, or later from a thread of its own). Until then the
 * message counts as pending, so a drain waits for it and jnats' pending limits see it.</li>
 * </ul>
 * A handler here must never block: it would stall every message of the connection, and its PINGs' answers.
 * <p>
 * In jnats' package because the {@code DispatcherFactory} hook is package-private; written against jnats 2.26.2's
 * message-queue internals. Where our classes are loaded apart from jnats' (Camel JBang compiles the sources in a class
 * loader of its own), it cannot be used and {@link #factoryOrNull()} says so.
 */
public final class ReaderThreadDispatch extends DispatcherFactory {

    private ReaderThreadDispatch() {
    }

    /** The factory, or null where this class cannot reach jnats' package-private members, or jnats is not 2.26. */
    public static DispatcherFactory factoryOrNull() {
        if (ReaderThreadDispatch.class.getClassLoader() != DispatcherFactory.class.getClassLoader()) {
            return null;
        }
        // written against 2.26's internals: with another jnats first on the class path (Camel JBang given camel-nats'
        // 2.24.1 first, which reports its version as "development") the first reply would fail with IllegalAccessError
        if (!io.nats.client.Nats.CLIENT_VERSION.startsWith("2.26.")) {
            return null;
        }
        return new ReaderThreadDispatch();
    }

    @Override
    NatsDispatcher createDispatcher(NatsConnection connection, MessageHandler handler) {
        if (connection.getOptions().useDispatcherWithExecutor()) {
            return new NatsDispatcherWithExecutor(connection, handler);
        }
        if (handler instanceof BiConsumer<?, ?>) {
            return new InlineDispatcher(connection, handler);
        }
        return new InboxDispatcher(connection, handler);
    }

    /** A queue that hands each message to its handler on the pushing (reader) thread. */
    private abstract static class InlineQueue extends ConsumerMessageQueue {

        private final NatsDispatcher dispatcher;

        InlineQueue(NatsDispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        @Override
        void push(NatsMessage message) {
            NatsSubscription subscription = message.getNatsSubscription();
            if (subscription == null || !subscription.isActive()) {
                return;
            }
            MessageHandler handler = dispatcher.nonDefaultHandlerBySid.get(subscription.getSID());
            if (handler == null) {
                handler = dispatcher.defaultHandler;
            }
            if (handler == null) {
                return;
            }
            subscription.incrementDeliveredCount();
            dispatcher.incrementDeliveredCount();
            try {
                handle(handler, message);
            } catch (Exception e) {
                dispatcher.connection.processException(e);
            }
            if (subscription.reachedUnsubLimit()) {
                dispatcher.connection.invalidate(subscription);
            }
        }

        abstract void handle(MessageHandler handler, NatsMessage message) throws Exception;

        @Override
        void pause() {
            super.pause();
            dispatcher.incoming.pause();
        }

        @Override
        void drain() {
            super.drain();
            // lets the idle dispatcher thread end, so that the dispatcher counts as drained
            dispatcher.incoming.drain();
        }
    }

    /** A plain NatsDispatcher until it subscribes the connection's request inbox; from then on it runs inline. */
    private static final class InboxDispatcher extends NatsDispatcher {

        private volatile boolean inline;
        private final ConsumerMessageQueue inlineQueue = new InlineQueue(this) {
            @Override
            void handle(MessageHandler handler, NatsMessage message) throws Exception {
                handler.onMessage(message);
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

    /** Every message to the handler's {@code accept(message, done)} on the reader thread; pending until done. */
    private static final class InlineDispatcher extends NatsDispatcher {

        private final ConsumerMessageQueue inlineQueue = new InlineQueue(this) {
            @Override
            @SuppressWarnings("unchecked")
            void handle(MessageHandler handler, NatsMessage message) {
                long bytes = message.getSizeInBytes();
                length.incrementAndGet();
                sizeInBytes.addAndGet(bytes);
                AtomicBoolean answered = new AtomicBoolean();
                Runnable done = () -> {
                    if (answered.compareAndSet(false, true)) {
                        length.decrementAndGet();
                        sizeInBytes.addAndGet(-bytes);
                    }
                };
                try {
                    ((BiConsumer<Message, Runnable>) handler).accept(message, done);
                } catch (RuntimeException e) {
                    done.run();
                    throw e;
                }
            }
        };

        InlineDispatcher(NatsConnection connection, MessageHandler handler) {
            super(connection, handler);
        }

        @Override
        ConsumerMessageQueue getMessageQueue() {
            return inlineQueue;
        }
    }
}
