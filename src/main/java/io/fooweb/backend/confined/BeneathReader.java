package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Linux: every name is resolved and opened beneath a directory descriptor of its root, held since startup, so the
 * kernel keeps the open inside the root however the tree changes meanwhile. Nothing is checked before the open and
 * relied on after it.
 * <ul>
 * <li>Under a directory root, one openat2(2) call with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS resolves the whole
 * name; the kernel follows symlinks that stay under that root and refuses (EXDEV, ELOOP) one that would leave it.</li>
 * <li>A refused name, a single-file root, or a kernel without openat2 (before 5.6: ENOSYS) takes {@link Walk}: one
 * component at a time with openat(O_PATH | O_DIRECTORY | O_NOFOLLOW), the file itself with O_NOFOLLOW. A symlink met
 * on the way is read (readlinkat) and its target located again among the roots like a new name: it may lead into
 * another root, never outside them.</li>
 * </ul>
 * The file is opened O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC (a FIFO opens at once instead of waiting for a
 * writer), and statx on the descriptor decides: only a regular file is read, by read(2) on that descriptor.
 */
public final class BeneathReader implements ConfinedRead {

    /** The open of the file itself; the walk adds O_NOFOLLOW, openat2's RESOLVE_BENEATH confines a final symlink. */
    static final int FILE_FLAGS = LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOCTTY | LibC.O_CLOEXEC;
    static final int DIRECTORY_FLAGS = LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;

    private final Roots roots;
    private final int maxBytes;
    private final boolean openat2;
    /** Per root: a descriptor of the directory, or for a file root of its parent directory. */
    private final Map<Roots.Root, Integer> descriptors = new IdentityHashMap<>();
    private final Charset fileNames;
    private final ThreadLocal<Memory> buffers = new ThreadLocal<>();
    private final boolean cachedOpen;
    private final ThreadLocal<Memory> nowBuffers = new ThreadLocal<>();

    /**
     * @param preferOpenat2 false to walk every name (tests of the walk; kernels before 5.6 walk anyway)
     * @throws IllegalStateException when a root's directory cannot be opened
     */
    BeneathReader(Roots roots, int maxBytes, boolean preferOpenat2) {
        this.roots = roots;
        this.maxBytes = maxBytes;
        String jnu = System.getProperty("sun.jnu.encoding");
        this.fileNames = jnu != null && Charset.isSupported(jnu) ? Charset.forName(jnu) : StandardCharsets.UTF_8;
        for (Roots.Root root : roots.all()) {
            Path directory = root.directory() ? root.real() : root.real().getParent();
            int fd = LibC.openat(LibC.AT_FDCWD, Walk.bytes(directory.toString(), fileNames), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
            if (fd < 0) {
                close();
                throw new IllegalStateException("Cannot open root " + directory + ": errno " + Native.getLastError());
            }
            descriptors.put(root, fd);
        }
        this.openat2 = preferOpenat2 && kernelHasOpenat2(0);
        this.cachedOpen = openat2 && kernelHasOpenat2(LibC.RESOLVE_CACHED);
    }

    /** The native reader of this platform, or null (and why, in the message) when there is none. */
    public static ConfinedRead forThisPlatform(Roots roots, int maxBytes, StringBuilder whyNot) {
        String reason = LibC.link();
        if (reason != null) {
            whyNot.append(reason);
            return null;
        }
        return new BeneathReader(roots, maxBytes, true);
    }

    @Override
    public String describe() {
        return openat2 ? "openat2 beneath each root's directory (RESOLVE_BENEATH), a walk for links between roots"
                : "openat beneath each root's directory, one component at a time (no openat2 on this kernel)";
    }

    boolean usesOpenat2() {
        return openat2;
    }

    @Override
    public FileSlice read(Roots.Located file) {
        try (Descriptor descriptor = new Descriptor(open(file))) {
            Descriptor.Stat stat = descriptor.stat();
            if (!stat.isRegularFile()) {
                throw Errno.notRegularFile();
            }
            if (file.trailingSlash()) {
                throw Errno.answer(Errno.ENOTDIR);
            }
            return BoundedRead.read(descriptor.stream(buffers, maxBytes + 1), stat.size(), maxBytes);
        } catch (Descriptor.NativeFailure e) {
            throw Errno.answer(e.errno);
        } catch (IOException e) {
            throw new FoowebException(500, "read_failed", "The file could not be read");
        }
    }

    /**
     * One openat2 that the dentry cache alone resolves (RESOLVE_CACHED), statx, one preadv2 that only the page cache
     * answers (RWF_NOWAIT), of the whole file and a byte more: anything else (EAGAIN, a short read, a file that grew,
     * /proc and tmpfs without RWF_NOWAIT, a link the walk must follow, any refusal) leaves the file to {@link #read}.
     * A file root is the one name beneath its parent, and no symlink (RESOLVE_NO_SYMLINKS: the walk follows those).
     */
    @Override
    public FileSlice readNow(Roots.Located file, int limit) {
        boolean fileRoot = !file.root().directory();
        if (!cachedOpen || file.trailingSlash() || fileRoot && !file.names().isEmpty()) {
            return null;
        }
        long[] how = {FILE_FLAGS, 0, LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_MAGICLINKS | LibC.RESOLVE_CACHED
                | (fileRoot ? LibC.RESOLVE_NO_SYMLINKS : 0)};
        String path = fileRoot ? file.root().real().getFileName().toString() : file.names().isEmpty() ? "." : String.join("/", file.names());
        byte[] name = Walk.bytes(path, fileNames);
        long fd = LibC.syscall(LibC.SYS_OPENAT2, descriptors.get(file.root()), name, how, LibC.OPEN_HOW_SIZE);
        if (fd < 0) {
            return null;
        }
        try (Descriptor descriptor = new Descriptor((int) fd)) {
            Descriptor.Stat stat = descriptor.stat();
            if (!stat.isRegularFile() || stat.size() > Math.min(limit, maxBytes)) {
                return null;
            }
            int size = (int) stat.size();
            Memory memory = nowBuffers.get();
            if (memory == null || memory.size() < LibC.IOVEC_SIZE + size + 1) {
                memory = new Memory(LibC.IOVEC_SIZE + Math.min(limit, maxBytes) + 1);
                nowBuffers.set(memory);
            }
            Pointer bytes = memory.share(LibC.IOVEC_SIZE);
            memory.setPointer(0, bytes);
            memory.setLong(Native.POINTER_SIZE, size + 1);
            long read = LibC.preadv2((int) fd, memory, 1, 0, LibC.RWF_NOWAIT);
            return read == size ? new FileSlice(bytes.getByteArray(0, size), size, false) : null;
        } catch (Descriptor.NativeFailure e) {
            return null;
        }
    }

    /** The descriptor of the located file, opened beneath its root, or the answer why not. */
    int open(Roots.Located file) {
        if (openat2 && file.root().directory()) {
            long[] how = {FILE_FLAGS, 0, LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_MAGICLINKS};
            byte[] name = Walk.bytes(file.names().isEmpty() ? "." : String.join("/", file.names()), fileNames);
            long fd;
            do {
                fd = LibC.syscall(LibC.SYS_OPENAT2, descriptors.get(file.root()), name, how, LibC.OPEN_HOW_SIZE);
            } while (fd < 0 && Native.getLastError() == Errno.EINTR);
            if (fd >= 0) {
                return (int) fd;
            }
            int errno = Native.getLastError();
            // EXDEV: a symlink or ".." would leave this root; ELOOP: a magic link or a loop; EAGAIN: a rename raced a
            // ".." (the kernel refuses rather than guess). The walk tells a link into another root from an escape.
            if (errno != Errno.EXDEV && errno != Errno.ELOOP && errno != Errno.EAGAIN) {
                throw Errno.answer(errno);
            }
        }
        return new Walk(roots, descriptors, fileNames, file).open();
    }

    /**
     * openat2 with {@code resolve} flags on the first root: ENOSYS before Linux 5.6, EPERM under a seccomp filter that
     * does not know it, EINVAL for a flag this kernel lacks.
     */
    private boolean kernelHasOpenat2(long resolve) {
        if (descriptors.isEmpty()) {
            return false;
        }
        long[] how = {LibC.O_PATH | LibC.O_CLOEXEC, 0, LibC.RESOLVE_BENEATH | resolve};
        long fd = LibC.syscall(LibC.SYS_OPENAT2, descriptors.values().iterator().next(), Walk.bytes(".", fileNames), how, LibC.OPEN_HOW_SIZE);
        if (fd < 0) {
            // EAGAIN: a cached-only resolution this kernel knows, which needed I/O
            return resolve == LibC.RESOLVE_CACHED && Native.getLastError() == Errno.EAGAIN;
        }
        LibC.close((int) fd);
        return true;
    }

    @Override
    public void close() {
        descriptors.values().forEach(LibC::close);
        descriptors.clear();
    }
}
