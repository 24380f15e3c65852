package io.fooweb.nats.producer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of NATS replies a process holds at once, each from its arrival until its exchange is done (the answer
 * written). A web answering many large files to slow readers at once otherwise ran out of heap.
 */
final class HeldReplies {

    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();

    HeldReplies(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Counts a reply as held, unless that would exceed the limit while others are held (one is always allowed). */
    boolean tryHold(long replyBytes) {
        long held;
        do {
            held = bytes.get();
            if (held > 0 && held + replyBytes > maxBytes) {
                return false;
            }
        } while (!bytes.compareAndSet(held, held + replyBytes));
        return true;
    }

    void release(long replyBytes) {
        bytes.addAndGet(-replyBytes);
    }

    long bytes() {
        return bytes.get();
    }
}
