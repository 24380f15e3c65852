package io.fooweb.backend.confined;

import io.fooweb.backend.FileSlice;

/**
 * Opens a located file and reads it, bounded: {@link BeneathReader} where the kernel can confine the resolution,
 * {@link CheckThenOpenReader} elsewhere. Either answers with a FileSlice or throws the FoowebException a client gets.
 */
public interface ConfinedRead extends AutoCloseable {

    FileSlice read(Roots.Located file);

    /** How this reader confines, for the startup log line. */
    String describe();

    @Override
    default void close() {
    }
}
