package io.fooweb.patch.camelnats;

import org.apache.camel.Exchange;

/**
 * Work a {@code from: nats:} consumer may do on jnats' reader thread (its {@code inline} option): the part of a
 * route's work that cannot block, done in advance. The entry point of this package that product code implements.
 */
public interface NonBlocking {

    /**
     * Does the work on {@code exchange} (whose body is the message's payload) if it can without blocking, and says
     * whether it did: the route then runs at once, on this thread, and must not block either. When it did not, the
     * exchange must be as it was: the route runs on a worker thread.
     */
    boolean tryWithoutBlocking(Exchange exchange);
}
