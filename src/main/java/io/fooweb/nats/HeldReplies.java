package io.fooweb.nats;

import io.fooweb.wire.FoowebException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of NATS replies a process holds at once, each from its arrival until its exchange is done (the answer
 * written). A web answering many large files to slow readers at once otherwise ran out of heap.
 */
public final class HeldReplies {

    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();

    public HeldReplies(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Counts a reply as held, unless that would exceed the limit while others are held (one is always allowed). */
    public boolean tryHold(long replyBytes) {
        long held;
        do {
            held = bytes.get();
            if (held > 0 && held + replyBytes > maxBytes) {
                return false;
            }
        } while (!bytes.compareAndSet(held, held + replyBytes));
        return true;
    }

    public void release(long replyBytes) {
        bytes.addAndGet(-replyBytes);
    }

    public long bytes() {
        return bytes.get();
    }

    /** The answer to a reply refused for the limit: 503 busy, for a client to try again shortly. */
    public FoowebException refusal() {
        return new FoowebException(503, "busy", "The web is holding too many large answers; try again shortly");
    }
}
