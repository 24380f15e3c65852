package io.fooweb.patch.jnats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import io.nats.client.Connection;
import io.nats.client.impl.SocketDataPortWithWriteTimeout;

/**
 * jnats' socket (its default data port, with the write timeout), plus replies written by the reader thread itself.
 * Every publish in jnats wakes its writer thread; a backend that answers a small request on the reader thread paid
 * that wake-up on every request. Here such a reply is kept until the reader has handled the rest of what one socket
 * read brought, and goes out, with the replies of the same read, in one write(2) just before the reader reads again.
 * <p>
 * Every write of the port takes one lock and first sends what is kept, so a reply precedes on the wire everything
 * written after it was kept (a drain's PING included). Only this connection's reader thread keeps anything, and at
 * most {@link #MAX_KEPT_BYTES}: the rest is published as usual.
 */
public class ReaderThreadWrites extends SocketDataPortWithWriteTimeout {

    /** Up to this much is kept for the reader's next write; beyond it replies go to jnats' writer thread. */
    static final int MAX_KEPT_BYTES = 64 * 1024;
    private static final byte[] PUB = {'P', 'U', 'B', ' '};
    private static final byte[] SPACE = {' '};
    private static final byte[] CRLF = {'\r', '\n'};
    /** The port whose reader this thread is (jnats runs its reader on a pool thread, one per connection). */
    private static final ThreadLocal<ReaderThreadWrites> READER_OF = new ThreadLocal<>();

    private final ReentrantLock writeLock = new ReentrantLock();
    private byte[] kept = new byte[4096];
    private int keptLength;
    private volatile Thread reader;
    private volatile boolean closed;

    /**
     * This class's name for jnats' {@code Options.Builder.dataPortType}, or null where jnats could not load it: jnats
     * creates its data port by name, in its own class loader (Camel JBang compiles our sources into another one).
     */
    public static String dataPortTypeOrNull() {
        return ReaderThreadWrites.class.getClassLoader() == SocketDataPortWithWriteTimeout.class.getClassLoader()
                ? ReaderThreadWrites.class.getName() : null;
    }

    /**
     * Publishes {@code payload} to {@code subject}: kept for this port's next write when called on the reader thread of
     * {@code connection} with room to keep it, else with {@code connection.publish}.
     */
    public static void publish(Connection connection, String subject, byte[] payload) {
        ReaderThreadWrites port = READER_OF.get();
        if (port == null || !port.keep(connection, subject, payload)) {
            connection.publish(subject, payload);
        }
    }

    private boolean keep(Connection caller, String subject, byte[] payload) {
        if (caller != connection || reader != Thread.currentThread() || closed) {
            return false;
        }
        byte[] subjectBytes = subject.getBytes(StandardCharsets.UTF_8);
        byte[] size = Integer.toString(payload.length).getBytes(StandardCharsets.US_ASCII);
        int length = PUB.length + subjectBytes.length + SPACE.length + size.length + CRLF.length + payload.length + CRLF.length;
        writeLock.lock();
        try {
            if (keptLength + length > MAX_KEPT_BYTES) {
                return false;
            }
            if (keptLength + length > kept.length) {
                kept = Arrays.copyOf(kept, Math.min(MAX_KEPT_BYTES, Math.max(2 * kept.length, keptLength + length)));
            }
            append(PUB);
            append(subjectBytes);
            append(SPACE);
            append(size);
            append(CRLF);
            append(payload);
            append(CRLF);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    private void append(byte[] bytes) {
        System.arraycopy(bytes, 0, kept, keptLength, bytes.length);
        keptLength += bytes.length;
    }

    /** Called by jnats' reader thread once it has handled everything the last read brought. */
    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        if (reader != Thread.currentThread()) {
            reader = Thread.currentThread();
            READER_OF.set(this);
        }
        if (keptLength > 0) {
            writeLock.lock();
            try {
                writeKept();
            } finally {
                writeLock.unlock();
            }
        }
        return super.read(dst, off, len);
    }

    @Override
    public void write(byte[] src, int toWrite) throws IOException {
        writeLock.lock();
        try {
            writeKept();
            super.write(src, toWrite);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        writeLock.lock();
        try {
            writeKept();
            super.flush();
        } finally {
            writeLock.unlock();
        }
    }

    private void writeKept() throws IOException {
        if (keptLength > 0) {
            int length = keptLength;
            // dropped even if the write fails: the connection is then lost, as anything jnats' writer was writing
            keptLength = 0;
            super.write(kept, length);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        super.close();
    }

    @Override
    public void forceClose() throws IOException {
        closed = true;
        super.forceClose();
    }
}
