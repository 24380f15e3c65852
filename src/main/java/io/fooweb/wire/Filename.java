package io.fooweb.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The rules every filename passes, on the web before any NATS traffic and again on the backend for plain NATS
 * clients: not empty, at most {@value #MAX_BYTES} bytes of valid UTF-8, no NUL.
 */
public final class Filename {

    public static final int MAX_BYTES = 4096;

    private Filename() {
    }

    /** Strict UTF-8 (no silent U+FFFD), no NUL, not empty, at most {@value #MAX_BYTES} bytes. */
    public static String decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw invalid("The filename is empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw invalid("The filename is longer than " + MAX_BYTES + " bytes");
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw invalid("The filename is not valid UTF-8");
        }
        if (name.indexOf('\0') >= 0) {
            throw invalid("The filename contains a NUL byte");
        }
        return name;
    }

    public static FoowebException invalid(String message) {
        return FoowebException.badRequest("invalid_filename", message);
    }
}
