package io.fooweb.web;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.fooweb.wire.Envelope;
import io.fooweb.wire.FoowebException;

/**
 * A successful reply as the web sees it: the file's bytes are {@code payload} from {@code offset} on (after our
 * status line, if any; kept in place rather than copied, as a reply can be 1 MiB).
 *
 * @param size the file's size, or {@value #UNKNOWN_SIZE} when a plain reply filled max_payload (the file was cut)
 */
public record Reply(byte[] payload, int offset, long size, boolean truncated) {

    public static final long UNKNOWN_SIZE = -1;
    private static final byte[] JSON_START = "{\"file_contents\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_END = "\"}".getBytes(StandardCharsets.US_ASCII);

    public Reply(byte[] content, long size, boolean truncated) {
        this(content, 0, size, truncated);
    }

    /**
     * Reads a reply: an envelope from our backend ({@code line}, read by {@link Envelope#read}), or plain bytes from a
     * plain one (such as the original Go backend, or ours when the content alone fills {@code maxPayload}, which is then
     * a cut file). Throws the backend's failure as a {@link FoowebException}.
     *
     * @param line       the payload's status line, null for a plain reply
     * @param maxPayload the server's max_payload (0 while unknown)
     */
    public static Reply open(byte[] payload, Envelope.StatusLine line, long maxPayload) {
        if (line == null) {
            boolean filled = maxPayload > 0 && payload.length >= maxPayload;
            return new Reply(payload, filled ? UNKNOWN_SIZE : payload.length, filled);
        }
        if (line.status() != 200) {
            throw new FoowebException(line.status(), line.error(), line.message());
        }
        return new Reply(payload, line.contentOffset(), line.size(), line.truncated());
    }

    public int length() {
        return payload.length - offset;
    }

    public byte[] content() {
        return offset == 0 ? payload : Arrays.copyOfRange(payload, offset, payload.length);
    }

    /**
     * The JSON answer: {"file_contents": ...}, plus "truncated" (and "size" when known) when the file was cut. Invalid
     * UTF-8 becomes U+FFFD, as in the original's JSON. Valid UTF-8 (nearly every file) is escaped as bytes, without
     * decoding it to a String first ({@link JsonText}).
     */
    public byte[] toJson() {
        byte[] text = payload;
        int from = offset;
        long escaped = JsonText.escapedLength(text, from);
        if (escaped < 0) {
            text = new String(payload, offset, length(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
            from = 0;
            escaped = JsonText.escapedLength(text, from);
        }
        byte[] end = !truncated ? JSON_END
                : (size == UNKNOWN_SIZE ? "\",\"truncated\":true}" : "\",\"truncated\":true,\"size\":" + size + "}")
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] json = new byte[Math.toIntExact(JSON_START.length + escaped + end.length)];
        System.arraycopy(JSON_START, 0, json, 0, JSON_START.length);
        int at = JsonText.writeEscaped(text, from, json, JSON_START.length);
        System.arraycopy(end, 0, json, at, end.length);
        return json;
    }
}
