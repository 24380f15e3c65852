package io.fooweb.backend;

import io.fooweb.backend.confined.BeneathReader;
import io.fooweb.backend.confined.CheckThenOpenReader;
import io.fooweb.backend.confined.ConfinedRead;
import io.fooweb.backend.confined.Roots;
import io.fooweb.patch.camelnats.NonBlocking;
import io.fooweb.wire.Filename;
import io.fooweb.wire.FoowebException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

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
 * Every read that may block is watched ({@link ReadWatch}): one that takes longer than the request timeout is
 * reported. The cached read on jnats' reader thread ({@link #tryWithoutBlocking}) is not: it never waits on the disk.
 */
public class ConfinedFileReader implements Processor, NonBlocking, AutoCloseable {

    /** The exchange variable holding the name a request asked for, for the logs. */
    public static final String FILENAME_VARIABLE = "filename";
    /**
     * The most bytes a read done on jnats' reader thread returns: larger replies may wait for room in jnats' queue
     * (ReplyBacklog), which must not happen on that thread.
     */
    static final int MAX_READ_NOW_BYTES = 16 * 1024;

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

    /**
     * The route's step: the request's body (the filename's UTF-8 bytes) becomes the file's bytes ({@link FileSlice}),
     * unless {@link #tryWithoutBlocking} read them already.
     */
    @Override
    public void process(Exchange exchange) {
        org.apache.camel.Message message = exchange.getMessage();
        if (message.getBody() instanceof FileSlice) {
            return;
        }
        byte[] payload = message.getBody(byte[].class);
        // as sent, for the log line of a name the rules refuse
        exchange.setVariable(FILENAME_VARIABLE, payload == null ? "" : new String(payload, java.nio.charset.StandardCharsets.UTF_8));
        message.setBody(read(Filename.decode(payload)));
    }

    /** The file, when the kernel's caches alone can give it (small, cached, beneath a directory root). */
    @Override
    public boolean tryWithoutBlocking(Exchange exchange) {
        if (!(exchange.getMessage().getBody() instanceof byte[] payload)) {
            return false;
        }
        String name;
        Roots.Located file;
        try {
            name = Filename.decode(payload);
            file = roots.locate(name);
        } catch (FoowebException refused) {
            return false;
        }
        FileSlice read = reader.readNow(file, MAX_READ_NOW_BYTES);
        if (read == null) {
            return false;
        }
        exchange.setVariable(FILENAME_VARIABLE, name);
        exchange.getMessage().setBody(read);
        return true;
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
