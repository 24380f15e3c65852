package io.fooweb.patch.camelnats;

/**
 * Where an InOut {@code to: nats:} endpoint with a {@code balance} bean sends each request: the entry point of this
 * package that product code implements (fooweb's web steers among its live backends). Every method is called on the
 * request's own thread or jnats' reader thread and must not block.
 */
public interface Balancer {

    /** A destination: the subject a send goes to, and whatever the balancer keeps of it. */
    interface Target {
        String subject();
    }

    /**
     * The destination of a request's next send, other than every one in {@code already} (the request's earlier
     * sends), counted as outstanding until {@link #done}; null to send to the endpoint's own subject.
     */
    Target choose(Target[] already, int count);

    /** A send to {@code target} was not answered within the hedge delay (the request is sent again elsewhere). */
    void late(Target target);

    /** A send to {@code target} met nobody at its subject (NATS' "no responders"): it left, or is draining. */
    void gone(Target target);

    /** The request ended: {@code answered} whether this send brought the answer; no longer outstanding. */
    void done(Target target, boolean answered, long latencyNanos);
}
