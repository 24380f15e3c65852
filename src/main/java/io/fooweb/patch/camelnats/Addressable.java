package io.fooweb.patch.camelnats;

/**
 * A {@code from: nats:} consumer's own subject besides its queue group (its {@code addressable} option): so that a
 * client that knows this instance can send to it alone. The entry point of this package that product code implements
 * (fooweb's backend, which webs steer requests to).
 */
public interface Addressable {

    /** The subject only this instance serves. */
    String directSubject();

    /** The consumer serves {@link #directSubject()} on a (new) connection from now on. */
    void serving();

    /**
     * Whether the instance should get requests sent to it alone: the consumer answers probes of
     * {@link #directSubject()} only while it should.
     */
    boolean ready();
}
