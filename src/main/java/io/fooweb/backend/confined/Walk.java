package io.fooweb.backend.confined;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.sun.jna.Native;

/**
 * One resolution of a located name by walking it beneath its root's directory descriptor, one component at a time:
 * each directory with openat(O_PATH | O_DIRECTORY | O_NOFOLLOW) beneath the one before, the file itself with
 * O_NOFOLLOW. No component is ever followed by the kernel, so none can lead outside. A symlink met on the way is read
 * (readlinkat, beneath the same descriptor) and its target, joined to where the link is, located among the roots like
 * a new name; the walk then starts over beneath that root. Whatever a racer swaps, every open happens beneath a
 * descriptor of a root, and every link target is checked against the roots before anything below it is opened.
 */
final class Walk {

    /** As Linux allows (MAXSYMLINKS): a loop, or a racer keeping a name changing, ends as ELOOP. */
    private static final int MAX_LINKS = 40;

    private final Roots roots;
    private final Map<Roots.Root, Integer> descriptors;
    private final Charset fileNames;
    private Roots.Located at;
    private int links;

    Walk(Roots roots, Map<Roots.Root, Integer> descriptors, Charset fileNames, Roots.Located start) {
        this.roots = roots;
        this.descriptors = descriptors;
        this.fileNames = fileNames;
        this.at = start;
    }

    /** The descriptor of the file, opened BeneathReader.FILE_FLAGS | O_NOFOLLOW, or the answer why not. */
    int open() {
        while (true) {
            Integer opened = openOnce();
            if (opened != null) {
                return opened;
            }
            if (++links > MAX_LINKS) {
                throw Errno.answer(Errno.ELOOP);
            }
        }
    }

    /** The descriptor, or null when a symlink moved the walk to {@link #at}, to start over from its root. */
    private Integer openOnce() {
        List<String> names = new ArrayList<>(at.names());
        Path directoryPath = at.root().directory() ? at.root().real() : at.root().real().getParent();
        if (!at.root().directory()) {
            names.add(0, at.root().real().getFileName().toString());
        }
        if (names.isEmpty()) {
            names.add(".");
        }
        int directory = descriptors.get(at.root());
        List<Integer> toClose = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                boolean last = i == names.size() - 1;
                String name = names.get(i);
                int fd = openat(directory, name, last ? BeneathReader.FILE_FLAGS | LibC.O_NOFOLLOW : BeneathReader.DIRECTORY_FLAGS);
                if (fd >= 0) {
                    if (last) {
                        return fd;
                    }
                    toClose.add(fd);
                    directory = fd;
                    directoryPath = directoryPath.resolve(name);
                    continue;
                }
                int errno = Native.getLastError();
                // a symlink: ELOOP for the file itself (O_NOFOLLOW), ENOTDIR for a directory on the way
                if (errno != (last ? Errno.ELOOP : Errno.ENOTDIR)) {
                    throw Errno.answer(errno);
                }
                String target = readlink(directory, name);
                if (target == null) {
                    if (errno == Errno.ENOTDIR) {
                        throw Errno.answer(Errno.ENOTDIR);
                    }
                    return null; // it was a symlink a moment ago and is not now: look again
                }
                follow(directoryPath, target, names.subList(i + 1, names.size()));
                return null;
            }
            throw new IllegalStateException("no name to open");
        } finally {
            toClose.forEach(LibC::close);
        }
    }

    /** Moves the walk to the link's target plus the names after the link, located among the roots. */
    private void follow(Path linkDirectory, String target, List<String> rest) {
        Path next = linkDirectory.resolve(target);
        for (String name : rest) {
            next = next.resolve(name);
        }
        Roots.Located located = roots.locate(next.normalize(), at.trailingSlash());
        if (located == null) {
            throw Errno.outsideRoots();
        }
        at = located;
    }

    private int openat(int directory, String name, int flags) {
        byte[] path = bytes(name, fileNames);
        int fd;
        do {
            fd = LibC.openat(directory, path, flags, 0);
        } while (fd < 0 && Native.getLastError() == Errno.EINTR);
        return fd;
    }

    /** The target of the symlink {@code name} in {@code directory}, or null when it is no symlink (EINVAL). */
    private String readlink(int directory, String name) {
        byte[] target = new byte[4096];
        long length = LibC.readlinkat(directory, bytes(name, fileNames), target, target.length);
        if (length < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EINVAL) {
                return null;
            }
            throw Errno.answer(errno);
        }
        return new String(target, 0, (int) length, fileNames);
    }

    /** A path for libc: encoded as the JVM encodes file names, NUL-terminated. */
    static byte[] bytes(String path, Charset fileNames) {
        byte[] encoded = path.getBytes(fileNames);
        return Arrays.copyOf(encoded, encoded.length + 1);
    }
}
