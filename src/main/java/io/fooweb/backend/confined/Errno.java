package io.fooweb.backend.confined;

import io.fooweb.wire.FoowebException;

/** The errno values the confined reader tells apart (the same on x86-64 and aarch64), and the answer each one gets. */
final class Errno {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ELOOP = 40;

    private Errno() {
    }

    /**
     * The answer to a failed open or read, as the check-then-open reader gave it: a missing file or a file where a
     * directory was named is 404, no permission 403, a socket (which open refuses with ENXIO) is not a regular file,
     * and anything else (a symlink loop, an I/O error) is a failed read.
     */
    static FoowebException answer(int errno) {
        return switch (errno) {
            case ENOENT, ENOTDIR -> FoowebException.notFound("The file does not exist");
            case EACCES, EPERM -> FoowebException.forbidden("permission_denied", "The backend may not read this file");
            case ENXIO -> notRegularFile();
            default -> new FoowebException(500, "read_failed", "The file could not be read");
        };
    }

    static FoowebException notRegularFile() {
        return FoowebException.forbidden("not_regular_file", "Only regular files are served, not directories, FIFOs, sockets or devices");
    }

    static FoowebException outsideRoots() {
        return FoowebException.forbidden("outside_roots", "The file resolves to a path outside the directories this backend serves");
    }
}
