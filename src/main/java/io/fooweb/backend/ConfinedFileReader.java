package io.fooweb.backend;

import io.fooweb.wire.Filename;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a file named by a request, but only under the configured roots, only regular files, and never more than the
 * reply limit (plus one byte to tell that the file was longer).
 * <p>
 * A root is a directory (everything below it is allowed) or a single file. Containment is checked twice: on the
 * normalized name, so that a name outside every root is refused without touching the file system, and on the real
 * path after symlinks are resolved, so that a link inside a root cannot point outside. The type is checked before
 * the file is opened, because opening a FIFO with no writer blocks forever.
 */
public class ConfinedFileReader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfinedFileReader.class);

    private final List<Path> roots;
    private final List<Path> realRoots;
    private final Path relativeBase;
    private final int maxBytes;

    /**
     * @param roots    comma-separated directories or files; relative ones are taken from the working directory
     * @param maxBytes the most bytes one reply may carry
     */
    public ConfinedFileReader(String roots, int maxBytes) {
        this.maxBytes = maxBytes;
        this.roots = new ArrayList<>();
        this.realRoots = new ArrayList<>();
        for (String root : roots.split(",")) {
            if (root.isBlank()) {
                continue;
            }
            Path path = Path.of(root.trim()).toAbsolutePath().normalize();
            try {
                realRoots.add(path.toRealPath());
                this.roots.add(path);
            } catch (IOException e) {
                LOG.warn("Ignoring backend root {}: {}", path, e.toString());
            }
        }
        this.relativeBase = this.roots.stream().filter(Files::isDirectory).findFirst().orElse(null);
        LOG.info("Backend serves files under {} (relative names resolve against {}), at most {} bytes each",
                this.roots, relativeBase, maxBytes);
    }

    /** Reads the file named by the UTF-8 bytes of a NATS request body. */
    public FileSlice read(byte[] filename) {
        return read(Filename.decode(filename));
    }

    public FileSlice read(String name) {
        Path requested = resolve(name);
        if (!isUnder(requested, roots) && !isUnder(requested, realRoots)) {
            throw FoowebException.forbidden("outside_roots", "The file is outside the directories this backend serves");
        }
        Path real;
        BasicFileAttributes attributes;
        try {
            real = requested.toRealPath();
            attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw FoowebException.notFound("The file does not exist");
        } catch (AccessDeniedException e) {
            throw FoowebException.forbidden("permission_denied", "The backend may not read this file");
        } catch (IOException e) {
            throw new FoowebException(500, "read_failed", "The file could not be read");
        }
        if (!isUnder(real, realRoots)) {
            throw FoowebException.forbidden("outside_roots", "The file resolves to a path outside the directories this backend serves");
        }
        if (!attributes.isRegularFile()) {
            throw FoowebException.forbidden("not_regular_file", "Only regular files are served, not directories, FIFOs, sockets or devices");
        }
        return readBounded(real, attributes.size());
    }

    private FileSlice readBounded(Path real, long reportedSize) {
        try (InputStream in = Files.newInputStream(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = reportedSize > 0 ? readExpecting(in, (int) Math.min(reportedSize, maxBytes), maxBytes) : in.readNBytes(maxBytes);
            boolean truncated = bytes.length == maxBytes && in.read() != -1;
            long size = truncated ? reportedSize : bytes.length;
            return new FileSlice(bytes, size, truncated);
        } catch (AccessDeniedException e) {
            throw FoowebException.forbidden("permission_denied", "The backend may not read this file");
        } catch (NoSuchFileException e) {
            throw FoowebException.notFound("The file does not exist");
        } catch (IOException e) {
            throw new FoowebException(500, "read_failed", "The file could not be read");
        }
    }

    /**
     * Reads into an array of the size the file reported, in as few reads as the kernel allows; readNBytes alone goes
     * in 8 KiB chunks and copies them together (128 reads for 1 MiB). The file may have changed since: what is read
     * decides, up to {@code maxBytes}.
     */
    static byte[] readExpecting(InputStream in, int expected, int maxBytes) throws IOException {
        byte[] bytes = new byte[expected];
        int read = in.readNBytes(bytes, 0, expected);
        if (read < expected) {
            return Arrays.copyOf(bytes, read);
        }
        if (expected == maxBytes) {
            return bytes;
        }
        int next = in.read();
        if (next == -1) {
            return bytes;
        }
        byte[] more = in.readNBytes(maxBytes - expected - 1);
        byte[] all = Arrays.copyOf(bytes, expected + 1 + more.length);
        all[expected] = (byte) next;
        System.arraycopy(more, 0, all, expected + 1, more.length);
        return all;
    }

    private Path resolve(String name) {
        try {
            Path path = Path.of(name);
            if (!path.isAbsolute()) {
                if (relativeBase == null) {
                    throw FoowebException.forbidden("outside_roots", "Relative names need a directory among the backend's roots");
                }
                path = relativeBase.resolve(path);
            }
            return path.normalize();
        } catch (InvalidPathException e) {
            throw FoowebException.badRequest("invalid_filename", "The filename is not a valid path");
        }
    }

    private static boolean isUnder(Path path, List<Path> candidates) {
        for (Path root : candidates) {
            if (path.startsWith(root)) {
                return true;
            }
        }
        return false;
    }
}
