package io.fooweb.backend.confined;

import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's roots, and the step every name takes before the file system is touched: a relative name is taken
 * from the first directory root, {@code ..} is removed lexically, and the result must lie under a root as
 * configured or as its real path (so both /proc/self/status and /proc/1234/status name that root). A symlink's
 * target goes through the same step ({@link #locate(Path, boolean)}), so a link may lead from one root into another.
 * <p>
 * A root is pinned when the backend starts, as its real path: a root that is itself a symlink serves what the link
 * pointed to then.
 */
public final class Roots {

    private static final Logger LOG = LoggerFactory.getLogger(Roots.class);

    /** One configured root: as written (absolute, normalized), its real path then, and whether it is a directory. */
    public record Root(Path declared, Path real, boolean directory) {
    }

    /**
     * A name under a root: {@code names} are the components below it (none: the root itself), and
     * {@code trailingSlash} whether the name ended in '/', which no regular file matches.
     */
    public record Located(Root root, List<String> names, boolean trailingSlash) {

        /** The path this names, from the root's real path. */
        public Path path() {
            Path path = root.real();
            for (String name : names) {
                path = path.resolve(name);
            }
            return path;
        }
    }

    private final List<Root> roots = new ArrayList<>();
    private final Path relativeBase;

    /** @param spec comma-separated directories or files; relative ones are taken from the working directory */
    public Roots(String spec) {
        for (String root : spec.split(",")) {
            if (root.isBlank()) {
                continue;
            }
            Path path = Path.of(root.trim()).toAbsolutePath().normalize();
            try {
                Path real = path.toRealPath();
                roots.add(new Root(path, real, Files.isDirectory(real)));
            } catch (IOException e) {
                LOG.warn("Ignoring backend root {}: {}", path, e.toString());
            }
        }
        this.relativeBase = roots.stream().filter(Root::directory).map(Root::declared).findFirst().orElse(null);
    }

    public List<Root> all() {
        return List.copyOf(roots);
    }

    public Path relativeBase() {
        return relativeBase;
    }

    /** Locates the name of a request: 400 when it is no path, 403 outside_roots when it is under no root. */
    public Located locate(String name) {
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            throw FoowebException.badRequest("invalid_filename", "The filename is not a valid path");
        }
        if (!path.isAbsolute()) {
            if (relativeBase == null) {
                throw FoowebException.forbidden("outside_roots", "Relative names need a directory among the backend's roots");
            }
            path = relativeBase.resolve(path);
        }
        Located located = locate(path.normalize(), name.endsWith("/"));
        if (located == null) {
            throw FoowebException.forbidden("outside_roots", "The file is outside the directories this backend serves");
        }
        return located;
    }

    /** The root an absolute, normalized path lies under (the most specific one), or null when there is none. */
    public Located locate(Path path, boolean trailingSlash) {
        Root best = null;
        Path bestPrefix = null;
        for (Root root : roots) {
            for (Path prefix : List.of(root.declared(), root.real())) {
                if (path.startsWith(prefix) && (bestPrefix == null || prefix.getNameCount() > bestPrefix.getNameCount())) {
                    best = root;
                    bestPrefix = prefix;
                }
            }
        }
        if (best == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Path name : bestPrefix.relativize(path)) {
            if (!name.toString().isEmpty()) {
                names.add(name.toString());
            }
        }
        return new Located(best, List.copyOf(names), trailingSlash);
    }
}
