package io.fooweb.backend.confined;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.fooweb.backend.FileSlice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The read that may run on jnats' reader thread: it serves a small cached file beneath a root at once, and leaves
 * everything that might block, or that needs more than one cached open, to the full read (null).
 */
class ReadNowTest {

    static final int LIMIT = 16 * 1024;

    @TempDir
    Path tmp;
    Path root;
    Path fileRoot;
    Roots roots;
    BeneathReader reader;

    @BeforeEach
    void tree() throws IOException {
        assertEquals(null, LibC.link());
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/small.txt"), "small\n");
        Files.write(root.resolve("large.bin"), new byte[LIMIT + 1]);
        Files.createDirectories(tmp.resolve("files"));
        fileRoot = Files.writeString(tmp.resolve("files/single.txt"), "single\n");
        Files.writeString(tmp.resolve("files/sibling.txt"), "sibling\n");
        Files.createSymbolicLink(root.resolve("relative.txt"), Path.of("a/b/small.txt"));
        Files.createSymbolicLink(root.resolve("absolute.txt"), root.resolve("a/b/small.txt"));
        roots = new Roots(root + "," + fileRoot + ",/proc/self/status");
        reader = new BeneathReader(roots, 1024 * 1024, true);
        // what the full read reads is in the kernel's caches afterwards, as a file read before is
        reader.read(roots.locate(root + "/a/b/small.txt"));
        reader.read(roots.locate(fileRoot.toString()));
    }

    @AfterEach
    void close() {
        reader.close();
    }

    private String now(String name) {
        FileSlice read = reader.readNow(roots.locate(name), LIMIT);
        return read == null ? null : new String(read.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aCachedSmallFileIsReadAtOnce() {
        assertEquals("small\n", now(root + "/a/b/small.txt"));
        assertEquals("small\n", now(root + "/a/../a/b/small.txt"));
        assertEquals("single\n", now(fileRoot.toString()));
    }

    /** openat2 follows a link that stays beneath the root; an absolute one, which it refuses, goes to the walk. */
    @Test
    void aRelativeSymlinkBeneathADirectoryRootIsFollowedThereAnAbsoluteOneLeftToTheWalk() {
        reader.read(roots.locate(root + "/relative.txt"));
        assertEquals("small\n", now(root + "/relative.txt"));
        assertNull(now(root + "/absolute.txt"));
        assertEquals("small\n", new String(reader.read(roots.locate(root + "/absolute.txt")).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void whatNeedsMoreIsLeftToTheFullRead() throws Exception {
        assertNull(now(root + "/large.bin"), "over the limit");
        assertNull(now(root + "/missing.txt"), "missing: the full read answers 404");
        assertNull(now(root + "/a"), "a directory: the full read answers 403");
        assertNull(now("/proc/self/status"), "a /proc file has no size and no RWF_NOWAIT");
        Path fifo = root.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertNull(now(fifo.toString()), "a FIFO"));
    }

    /** A file root is that one name: a symlink there goes to the walk, which decides where it may lead. */
    @Test
    void aSymlinkAtAFileRootIsLeftToTheWalk() throws IOException {
        Files.delete(fileRoot);
        Files.createSymbolicLink(fileRoot, tmp.resolve("files/sibling.txt"));
        reader.read(roots.locate(root + "/a/b/small.txt"));

        assertNull(now(fileRoot.toString()));
    }

    @Test
    void aFileOfExactlyTheLimitIsRead() throws IOException {
        Path exact = Files.write(root.resolve("exact.bin"), new byte[LIMIT]);
        reader.read(roots.locate(exact.toString()));

        FileSlice read = reader.readNow(roots.locate(exact.toString()), LIMIT);

        assertNotNull(read);
        assertEquals(LIMIT, read.bytes().length);
    }
}
