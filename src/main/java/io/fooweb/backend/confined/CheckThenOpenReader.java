package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The reader of platforms without the native path (not Linux, or JNA cannot bind libc): it resolves the real path,
 * checks it is under a root and a regular file, then opens it. Someone who can write inside a root can swap a
 * directory for a symlink, or a file for a FIFO, between the check and the open; see docs/confinement.md.
 */
public final class CheckThenOpenReader implements ConfinedRead {

    private final Roots roots;
    private final int maxBytes;

    public CheckThenOpenReader(Roots roots, int maxBytes) {
        this.roots = roots;
        this.maxBytes = maxBytes;
    }

    @Override
    public String describe() {
        return "check-then-open (real path, type, then open): not confined against races";
    }

    @Override
    public FileSlice read(Roots.Located file) {
        final Path real;
        BasicFileAttributes attributes;
        try {
            real = file.path().toRealPath();
            attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw FoowebException.notFound("The file does not exist");
        } catch (AccessDeniedException e) {
            throw FoowebException.forbidden("permission_denied", "The backend may not read this file");
        } catch (IOException e) {
            throw new FoowebException(500, "read_failed", "The file could not be read");
        }
        if (roots.all().stream().noneMatch(root -> real.startsWith(root.real()))) {
            throw Errno.outsideRoots();
        }
        if (!attributes.isRegularFile()) {
            throw Errno.notRegularFile();
        }
        if (file.trailingSlash()) {
            throw FoowebException.notFound("The file does not exist");
        }
        try (InputStream in = Files.newInputStream(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return BoundedRead.read(in, attributes.size(), maxBytes);
        } catch (AccessDeniedException e) {
            throw FoowebException.forbidden("permission_denied", "The backend may not read this file");
        } catch (NoSuchFileException e) {
            throw FoowebException.notFound("The file does not exist");
        } catch (IOException e) {
            throw new FoowebException(500, "read_failed", "The file could not be read");
        }
    }
}
