package io.fooweb.backend;

import io.fooweb.backend.confined.BeneathReader;
import io.fooweb.backend.confined.CheckThenOpenReader;
import io.fooweb.backend.confined.ConfinedRead;
import io.fooweb.backend.confined.Roots;
import io.fooweb.wire.Filename;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a file named by a request, but only under the configured roots, only regular files, and never more than the
 * reply limit (plus one byte to tell that the file was longer).
 * <p>
 * A root is a directory (everything below it is allowed) or a single file. A name outside every root is refused
 * without touching the file system ({@link Roots}); the rest is opened so that nobody who can write inside a root can
 * make the open land outside the roots or on a FIFO that blocks: on Linux beneath the root's directory descriptor
 * ({@link BeneathReader}), elsewhere by checking the real path before the open ({@link CheckThenOpenReader}), which
 * the startup log says. See docs/confinement.md.
 * <p>
 * Every read is watched ({@link ReadWatch}): one that takes longer than the request timeout is reported.
 */
public class ConfinedFileReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfinedFileReader.class);

    private final Roots roots;
    private final ConfinedRead reader;
    private final ReadWatch watch;

    /**
     * The backend's reader (routes/backend.camel.yaml): the native one where this platform has it.
     *
     * @param roots    comma-separated directories or files; relative ones are taken from the working directory
     * @param maxBytes the most bytes one reply may carry
     * @param watch    where reads are timed
     */
    public ConfinedFileReader(String roots, int maxBytes, ReadWatch watch) {
        this(new Roots(roots), maxBytes, watch);
    }

    /** A reader whose reads nobody watches (tests, tools). */
    public ConfinedFileReader(String roots, int maxBytes) {
        this(roots, maxBytes, new ReadWatch(Long.MAX_VALUE / 1_000_000));
    }

    private ConfinedFileReader(Roots roots, int maxBytes, ReadWatch watch) {
        this(roots, platformReader(roots, maxBytes), watch);
    }

    /** With a reader of one's choosing (tests of each way of reading, and of the watch). */
    public ConfinedFileReader(Roots roots, ConfinedRead reader, ReadWatch watch) {
        this.roots = roots;
        this.reader = reader;
        this.watch = watch;
        LOG.info("Backend serves files under {} (relative names resolve against {}): {}",
                roots.all().stream().map(Roots.Root::declared).toList(), roots.relativeBase(), reader.describe());
    }

    private static ConfinedRead platformReader(Roots roots, int maxBytes) {
        StringBuilder whyNot = new StringBuilder();
        ConfinedRead beneath = BeneathReader.forThisPlatform(roots, maxBytes, whyNot);
        if (beneath != null) {
            return beneath;
        }
        LOG.warn("No confined open on this platform ({}): the backend checks a file's real path and type, then opens it, so"
                + " someone who can write inside a root can race it out of the roots or onto a FIFO", whyNot);
        return new CheckThenOpenReader(roots, maxBytes);
    }

    /** Reads the file named by the UTF-8 bytes of a NATS request body. */
    public FileSlice read(byte[] filename) {
        return read(Filename.decode(filename));
    }

    public FileSlice read(String name) {
        Roots.Located file = roots.locate(name);
        ReadWatch.Slot reading = watch.begin(name);
        try {
            return reader.read(file);
        } finally {
            reading.end();
        }
    }

    /** Where this reader's reads are timed. */
    ReadWatch watch() {
        return watch;
    }

    /** The bean's destroy method: closes the roots' descriptors. */
    @Override
    public void close() {
        reader.close();
    }
}
