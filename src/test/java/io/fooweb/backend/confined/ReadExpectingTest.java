package io.fooweb.backend.confined;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The backend sizes its read by the file's reported size (BoundedRead.readExpecting); what it reads must be
 * the file as it is when read, up to the limit, whether it has grown or shrunk since it was measured.
 */
class ReadExpectingTest {

    private static final int MAX = 100;

    @Test
    void fileOfTheReportedSize() throws IOException {
        assertArrayEquals(bytes(40), read(bytes(40), 40));
    }

    @Test
    void fileThatShrankSinceItsSizeWasRead() throws IOException {
        assertArrayEquals(bytes(25), read(bytes(25), 40));
    }

    @Test
    void fileThatGrewSinceItsSizeWasRead() throws IOException {
        assertArrayEquals(bytes(70), read(bytes(70), 40));
        assertArrayEquals(bytes(41), read(bytes(41), 40));
    }

    @Test
    void fileThatGrewBeyondTheLimitIsCutThere() throws IOException {
        assertArrayEquals(bytes(MAX), read(bytes(MAX + 50), 40));
    }

    @Test
    void fileReportedAtTheLimitIsReadToTheLimitOnly() throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes(MAX + 1));
        assertArrayEquals(bytes(MAX), BoundedRead.readExpecting(in, MAX, MAX));
        // the one byte beyond is left for the caller's truncation check
        assertArrayEquals(new byte[] {(byte) MAX}, in.readAllBytes());
    }

    private static byte[] read(byte[] content, int reportedSize) throws IOException {
        return BoundedRead.readExpecting(new ByteArrayInputStream(content), reportedSize, MAX);
    }

    /** 0, 1, 2, ...: a shifted or duplicated byte shows. */
    private static byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }
}
