package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a name resolves, on a real tree: served, or the answer a client gets. The same cases run against each way of
 * reading (the nested classes): openat2, the component walk (kernels before 5.6), and the check-then-open fallback.
 */
abstract class ResolutionTest {

    static final String INSIDE = "inside the root\n";
    static final String MARKER = "OUTSIDE-MARKER-" + System.nanoTime();

    @TempDir
    Path tmp;
    Path root;
    Path other;
    Path outside;
    Path fileRoot;
    Roots roots;
    ConfinedRead reader;

    abstract ConfinedRead reader(Roots roots, int maxBytes);

    /** The answer to a name that goes on below a regular file: ENOTDIR, which the native readers answer as missing. */
    String belowAFile() {
        return "404 not_found";
    }

    static class Openat2 extends ResolutionTest {
        @Override
        ConfinedRead reader(Roots roots, int maxBytes) {
            assertEquals(null, LibC.link());
            BeneathReader beneath = new BeneathReader(roots, maxBytes, true);
            assertTrue(beneath.usesOpenat2(), "this kernel has openat2: the test would not exercise it");
            return beneath;
        }
    }

    static class Walk extends ResolutionTest {
        @Override
        ConfinedRead reader(Roots roots, int maxBytes) {
            assertEquals(null, LibC.link());
            return new BeneathReader(roots, maxBytes, false);
        }
    }

    static class CheckThenOpen extends ResolutionTest {
        @Override
        ConfinedRead reader(Roots roots, int maxBytes) {
            return new CheckThenOpenReader(roots, maxBytes);
        }

        /** Java's toRealPath reports ENOTDIR as a plain FileSystemException, which this reader always answered 500. */
        @Override
        String belowAFile() {
            return "500 read_failed";
        }
    }

    @BeforeEach
    void tree() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        other = Files.createDirectories(tmp.resolve("other"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), MARKER);
        Files.writeString(other.resolve("o.txt"), "in the other root\n");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("hello.txt"), INSIDE);
        Files.writeString(root.resolve("a/b/c/file.txt"), INSIDE);
        Files.createDirectories(tmp.resolve("files"));
        fileRoot = Files.writeString(tmp.resolve("files/single.txt"), "single\n");
        Files.writeString(tmp.resolve("files/sibling.txt"), MARKER);
        Files.createSymbolicLink(tmp.resolve("rootlink"), root);
        roots = new Roots(root + "," + other + "," + fileRoot + "," + tmp.resolve("rootlink") + ",/proc/self/status");
        reader = reader(roots, 1024);
    }

    @AfterEach
    void close() {
        reader.close();
    }

    String read(String name) {
        FileSlice slice = reader.read(roots.locate(name));
        return new String(slice.bytes(), StandardCharsets.UTF_8);
    }

    void refused(int status, String code, String name) {
        refused(status + " " + code, name);
    }

    void refused(String answer, String name) {
        FoowebException refused = assertThrows(FoowebException.class, () -> read(name), name);
        assertEquals(answer, refused.getStatus() + " " + refused.getCode(), name);
    }

    @Test
    void dotDotAtEveryDepth() {
        String[] inner = {"", "/a", "/a/b", "/a/b/c"};
        for (int depth = 0; depth < inner.length; depth++) {
            String climb = "/..".repeat(depth);
            assertEquals(INSIDE, read(root + inner[depth] + climb + "/hello.txt"), "depth " + depth);
            refused(403, "outside_roots", root + inner[depth] + climb + "/../outside/secret.txt");
            refused(403, "outside_roots", inner[depth].isEmpty() ? "../outside/secret.txt" : inner[depth].substring(1) + climb + "/../outside/secret.txt");
        }
    }

    @Test
    void absoluteSymlinks() throws IOException {
        Files.createSymbolicLink(root.resolve("abs-in"), root.resolve("hello.txt"));
        Files.createSymbolicLink(root.resolve("a/abs-out"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("a/dir-out"), outside);
        Files.createSymbolicLink(root.resolve("to-other"), other.resolve("o.txt"));

        assertEquals(INSIDE, read(root + "/abs-in"));
        assertEquals("in the other root\n", read(root + "/to-other"));
        refused(403, "outside_roots", root + "/a/abs-out");
        refused(403, "outside_roots", root + "/a/dir-out/secret.txt");
    }

    @Test
    void relativeSymlinksThatClimbOut() throws IOException {
        Files.createSymbolicLink(root.resolve("rel-in"), Path.of("a/b/c/file.txt"));
        Files.createSymbolicLink(root.resolve("a/b/up-in"), Path.of("../../hello.txt"));
        Files.createSymbolicLink(root.resolve("a/b/climb"), Path.of("../../../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("a/b/climb-dir"), Path.of("../../../outside"));
        Files.createSymbolicLink(root.resolve("a/b/to-other"), Path.of("../../../other"));

        assertEquals(INSIDE, read(root + "/rel-in"));
        assertEquals(INSIDE, read(root + "/a/b/up-in"));
        assertEquals("in the other root\n", read(root + "/a/b/to-other/o.txt"));
        refused(403, "outside_roots", root + "/a/b/climb");
        refused(403, "outside_roots", root + "/a/b/climb-dir/secret.txt");
    }

    @Test
    void symlinkLoopIsAFailedRead() throws IOException {
        Files.createSymbolicLink(root.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(root.resolve("a/self"), Path.of("."));
        Files.createSymbolicLink(root.resolve("a/b/loopdir"), Path.of("../b/loopdir"));

        refused(500, "read_failed", root + "/loop1");
        refused(500, "read_failed", root + "/a/b/loopdir/x");
        assertEquals(INSIDE, read(root + "/a/self/self/self/b/c/file.txt"));
    }

    @Test
    void rootThatIsItselfASymlinkServesItsTarget() throws IOException {
        Files.createSymbolicLink(other.resolve("via-rootlink"), tmp.resolve("rootlink/hello.txt"));

        assertEquals(INSIDE, read(tmp.resolve("rootlink/hello.txt").toString()));
        assertEquals(INSIDE, read(other + "/via-rootlink"));
        refused(403, "outside_roots", tmp.resolve("rootlink/../outside/secret.txt").toString());
    }

    @Test
    void nameEndingInSlash() {
        refused(403, "not_regular_file", root + "/a/");
        refused(404, "not_found", root + "/hello.txt/");
        refused(404, "not_found", root + "/no-such/");
        refused(belowAFile(), root + "/hello.txt/more");
    }

    @Test
    void fileReplacedByADirectoryOrALink() throws IOException {
        Path file = root.resolve("a/changing.txt");
        Files.writeString(file, INSIDE);
        assertEquals(INSIDE, read(file.toString()));

        Files.delete(file);
        Files.createDirectory(file);
        refused(403, "not_regular_file", file.toString());

        Files.delete(file);
        Files.createSymbolicLink(file, outside.resolve("secret.txt"));
        refused(403, "outside_roots", file.toString());
    }

    @Test
    void singleFileRoots() throws IOException {
        assertEquals("single\n", read(fileRoot.toString()));
        assertTrue(read("/proc/self/status").contains("\nPid:\t" + ProcessHandle.current().pid() + "\n"));
        refused(403, "outside_roots", fileRoot + "/../sibling.txt");
        refused(belowAFile(), fileRoot + "/below");

        // the root file becomes a link to its sibling, which is no root
        Files.delete(fileRoot);
        Files.createSymbolicLink(fileRoot, Path.of("sibling.txt"));
        refused(403, "outside_roots", fileRoot.toString());
    }

    @Test
    void onlyRegularFilesAndNeverBlocking() throws Exception {
        Path fifo = root.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(403, "not_regular_file", fifo.toString()));
        refused(403, "not_regular_file", root.toString());
        refused(404, "not_found", root + "/no-such-file");
        refused(403, "outside_roots", "/etc/passwd");
    }

    @Test
    void readsStopAtTheLimitAndTellTheSize() throws IOException {
        Path big = Files.write(root.resolve("big.bin"), new byte[5000]);
        FileSlice slice = reader.read(roots.locate(big.toString()));

        assertEquals(1024, slice.bytes().length);
        assertTrue(slice.truncated());
        assertEquals(5000, slice.size());
        FileSlice exact = reader.read(roots.locate(Files.write(root.resolve("exact.bin"), new byte[1024]).toString()));
        assertEquals(1024, exact.bytes().length);
        assertEquals(false, exact.truncated());
    }
}
