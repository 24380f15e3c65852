package io.fooweb.backend.confined;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls the confined reader makes, by JNA direct mapping (a JNI-speed call into libc, no proxy per call),
 * and the Linux constants they take. Only 64-bit Linux on x86-64 and aarch64: the open flags differ between those two
 * (O_DIRECTORY, O_NOFOLLOW), other architectures differ again, and syscall's arguments are C longs.
 * <p>
 * The methods are static because JNA binds native methods to a class; {@link #link()} binds them once and says
 * whether that worked. Paths are NUL-terminated byte arrays in the file system's encoding, never JNA Strings (whose
 * encoding follows jna.encoding, not the JVM's file names).
 */
final class LibC {

    static final int AT_FDCWD = -100;
    static final int AT_EMPTY_PATH = 0x1000;
    static final int O_RDONLY = 0;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;
    static final int O_DIRECTORY;
    static final int O_NOFOLLOW;

    /** openat2(2)'s number is the same on every architecture the generic syscall table serves, these two included. */
    static final long SYS_OPENAT2 = 437;
    static final long RESOLVE_NO_MAGICLINKS = 0x02;
    static final long RESOLVE_NO_SYMLINKS = 0x04;
    static final long RESOLVE_BENEATH = 0x08;
    /** Only what the dentry cache holds: EAGAIN where resolving would need I/O (Linux 5.12; EINVAL before). */
    static final long RESOLVE_CACHED = 0x20;
    /** preadv2(2): EAGAIN, or a short read, where the page cache does not hold the bytes. */
    static final int RWF_NOWAIT = 0x08;
    /** sizeof(struct iovec): a pointer and a size_t. */
    static final int IOVEC_SIZE = 16;
    /** sizeof(struct open_how): flags, mode, resolve, each a u64. */
    static final long OPEN_HOW_SIZE = 24;

    static final int STATX_TYPE = 0x1;
    static final int STATX_SIZE = 0x200;
    /** sizeof(struct statx), the same on every architecture. */
    static final int STATX_SIZE_BYTES = 256;
    static final int STATX_MASK_OFFSET = 0;
    static final int STATX_MODE_OFFSET = 28;
    static final int STATX_SIZE_OFFSET = 40;
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;

    static final String ARCH = Platform.ARCH;

    static {
        boolean arm = "aarch64".equals(ARCH);
        O_DIRECTORY = arm ? 040000 : 0200000;
        O_NOFOLLOW = arm ? 0100000 : 0400000;
    }

    private static boolean linked;

    private LibC() {
    }

    /** Binds the native methods to libc: null when they are bound, else why this platform has no native path. */
    static synchronized String link() {
        if (linked) {
            return null;
        }
        if (!Platform.isLinux() || !("x86-64".equals(ARCH) || "aarch64".equals(ARCH)) || Native.LONG_SIZE != 8) {
            return "not 64-bit Linux on x86-64 or aarch64 (" + System.getProperty("os.name") + " " + ARCH + ")";
        }
        try {
            Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            linked = true;
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "JNA could not bind libc: " + e;
        }
    }

    static native int openat(int dirfd, byte[] path, int flags, int mode);

    /** openat2 has no glibc wrapper: syscall(SYS_openat2, dirfd, path, &how, sizeof how), every argument a long. */
    static native long syscall(long number, long dirfd, byte[] path, long[] how, long size);

    static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buffer);

    static native long readlinkat(int dirfd, byte[] path, byte[] buffer, long size);

    static native long read(int fd, Pointer buffer, long count);

    static native long preadv2(int fd, Pointer iov, int iovcnt, long offset, int flags);

    static native int close(int fd);
}
