package io.fooweb.backend.confined;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * An open file descriptor: what it is ({@link #stat}, by statx on the descriptor itself, so no path is resolved
 * again), its bytes as an InputStream, and its close.
 */
final class Descriptor implements AutoCloseable {

    private static final byte[] EMPTY_PATH = {0};

    /** The type bits of st_mode and the size, as statx reported them for this descriptor. */
    record Stat(int type, long size) {

        boolean isRegularFile() {
            return type == LibC.S_IFREG;
        }
    }

    private final int fd;

    Descriptor(int fd) {
        this.fd = fd;
    }

    Stat stat() throws NativeFailure {
        byte[] buffer = new byte[LibC.STATX_SIZE_BYTES];
        if (LibC.statx(fd, EMPTY_PATH, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_SIZE, buffer) != 0) {
            throw new NativeFailure(Native.getLastError());
        }
        ByteBuffer statx = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());
        int mask = statx.getInt(LibC.STATX_MASK_OFFSET);
        int mode = Short.toUnsignedInt(statx.getShort(LibC.STATX_MODE_OFFSET));
        long size = (mask & LibC.STATX_SIZE) != 0 ? statx.getLong(LibC.STATX_SIZE_OFFSET) : 0;
        return new Stat(mode & LibC.S_IFMT, size);
    }

    /** Reads through {@code buffer}, a native buffer of this thread's that grows to the largest read asked for. */
    InputStream stream(ThreadLocal<Memory> buffer, int maxRead) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                Memory memory = buffer.get();
                if (memory == null || memory.size() < Math.min(length, maxRead)) {
                    if (memory != null) {
                        memory.close();
                    }
                    memory = new Memory(Math.max(Math.min(length, maxRead), 8192));
                    buffer.set(memory);
                }
                long read;
                do {
                    read = LibC.read(fd, memory, Math.min(length, memory.size()));
                } while (read < 0 && Native.getLastError() == Errno.EINTR);
                if (read < 0) {
                    throw new NativeFailure(Native.getLastError());
                }
                if (read == 0) {
                    return -1;
                }
                memory.read(0, bytes, offset, (int) read);
                return (int) read;
            }
        };
    }

    @Override
    public void close() {
        LibC.close(fd);
    }

    /** A call that failed, with its errno. */
    static final class NativeFailure extends IOException {

        final int errno;

        NativeFailure(int errno) {
            super("errno " + errno);
            this.errno = errno;
        }
    }
}
