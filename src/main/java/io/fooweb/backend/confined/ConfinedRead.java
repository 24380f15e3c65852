package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;

/**
 * Opens a located file and reads it, bounded: {@link BeneathReader} where the kernel can confine the resolution,
 * {@link CheckThenOpenReader} elsewhere. Either answers with a FileSlice or throws the FoowebException a client gets.
 */
public interface ConfinedRead extends AutoCloseable {

    FileSlice read(Roots.Located file);

    /**
     * The file when reading it cannot block: every part of its name and all its bytes in the kernel's caches, and at
     * most {@code maxBytes}; null when that is not certain (then {@link #read} answers, on a thread that may block).
     */
    default FileSlice readNow(Roots.Located file, int maxBytes) {
        return null;
    }

    /** How this reader confines, for the startup log line. */
    String describe();

    @Override
    default void close() {
    }
}
