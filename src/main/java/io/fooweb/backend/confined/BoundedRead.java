package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** A read of an opened file that stops at the reply limit, plus one byte to tell that the file was longer. */
final class BoundedRead {

    private BoundedRead() {
    }

    /** @param reportedSize the size the file reported when opened (a /proc file reports 0 until read) */
    static FileSlice read(InputStream in, long reportedSize, int maxBytes) throws IOException {
        byte[] bytes = reportedSize > 0 ? readExpecting(in, (int) Math.min(reportedSize, maxBytes), maxBytes) : in.readNBytes(maxBytes);
        boolean truncated = bytes.length == maxBytes && in.read() != -1;
        long size = truncated ? reportedSize : bytes.length;
        return new FileSlice(bytes, size, truncated);
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
}
