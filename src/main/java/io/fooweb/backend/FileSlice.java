package io.fooweb.backend;

/**
 * The bytes the backend serves for one request: at most the reply limit, with the file's size and whether it was cut.
 *
 * @param bytes     the content, possibly truncated
 * @param size      the file's size in bytes as far as it is known (a /proc file reports 0 until read)
 * @param truncated whether the file has more bytes than {@code bytes}
 */
public record FileSlice(byte[] bytes, long size, boolean truncated) {

    /** The same file cut to at most {@code max} bytes. */
    public FileSlice limitTo(int max) {
        if (bytes.length <= max) {
            return this;
        }
        return new FileSlice(java.util.Arrays.copyOf(bytes, Math.max(max, 0)), size, true);
    }
}
