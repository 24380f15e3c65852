package io.fooweb.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What our web and our backend add to the original wire contract (payload = filename out, file bytes back), and
 * nothing else: a plain client, such as the original Go web, sends no header and gets plain bytes.
 * <p>
 * A request with the NATS header {@value #REQUEST_HEADER} gets one JSON status line, then the bytes:
 * {@code FOOWEB/1 {"status":200,"size":N,"truncated":false,"backend":"host:pid","micros":M}\n<bytes>} (M: how long
 * the backend took over the request, in microseconds, for the web's Server-Timing). fooweb's consumer
 * replies without NATS headers, so the status travels in the payload. The request id and the client's traceparent
 * travel as the NATS headers {@value #REQUEST_ID_HEADER} and {@value #TRACEPARENT_HEADER}.
 * <p>
 * A success whose content alone fills the server's max_payload goes without the status line (there is no room for
 * it): the web reads a plain reply of exactly max_payload bytes as a truncated file, like the original serves the
 * first 1 MiB of a larger file.
 */
public final class Envelope {

    /** NATS request header by which our web asks for the status line. */
    public static final String REQUEST_HEADER = "Fooweb-Envelope";
    /** NATS header carrying the web's request id (X-Request-Id). */
    public static final String REQUEST_ID_HEADER = "Fooweb-Request-Id";
    /** NATS header carrying the client's W3C trace context. */
    public static final String TRACEPARENT_HEADER = "traceparent";

    private static final byte[] MAGIC = "FOOWEB/1 ".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Envelope() {
    }

    /**
     * A parsed status line; {@code contentOffset} is where the file's bytes start in the payload.
     * {@code error} and {@code message} are set only for a failure, {@code backend} when the backend named itself.
     */
    public record StatusLine(int status, long size, boolean truncated, String error, String message, String backend,
            long micros, int contentOffset) {
    }

    /** The status line of a success; {@code micros}: how long the backend took over it (-1: not said). */
    public static byte[] success(long size, boolean truncated, String backend, long micros) {
        return write(200, size, truncated, null, backend, micros);
    }

    /** The status line of a failure; the payload is this line alone. */
    public static byte[] failure(FoowebException failure, String backend, long micros) {
        return write(failure.getStatus(), 0, false, failure, backend, micros);
    }

    /** Written field by field: a Map through ObjectMapper was a tenth of the backend's CPU profile. */
    private static byte[] write(int status, long size, boolean truncated, FoowebException failure, String backend, long micros) {
        ByteArrayBuilder out = new ByteArrayBuilder(160);
        out.write(MAGIC, 0, MAGIC.length);
        try (JsonGenerator line = JSON.getFactory().createGenerator(out)) {
            line.writeStartObject();
            line.writeNumberField("status", status);
            if (failure == null) {
                line.writeNumberField("size", size);
                line.writeBooleanField("truncated", truncated);
            } else {
                line.writeStringField("error", failure.getCode());
                line.writeStringField("message", failure.getMessage());
            }
            line.writeStringField("backend", backend);
            if (micros >= 0) {
                line.writeNumberField("micros", micros);
            }
            line.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** The status line at the start of {@code payload}; null for a plain reply. 502 bad_reply for a broken one. */
    public static StatusLine read(byte[] payload) {
        if (payload.length < MAGIC.length || !Arrays.equals(payload, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        int newline = indexOf(payload, (byte) '\n', MAGIC.length);
        if (newline < 0) {
            throw badReply();
        }
        JsonNode line;
        try {
            line = JSON.readTree(Arrays.copyOfRange(payload, MAGIC.length, newline));
        } catch (IOException e) {
            throw badReply();
        }
        int offset = newline + 1;
        String backend = line.path("backend").asText(null);
        return new StatusLine(line.path("status").asInt(502), line.path("size").asLong(payload.length - offset),
                line.path("truncated").asBoolean(false), line.path("error").asText("backend_error"),
                line.path("message").asText("The backend reported an error"), isBackendId(backend) ? backend : null,
                line.path("micros").asLong(-1), offset);
    }

    /** host:pid as our backends write it; anything else (it goes into a response header and the log) is ignored. */
    static boolean isBackendId(String id) {
        if (id == null || id.isEmpty() || id.length() > 300) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':')) {
                return false;
            }
        }
        return true;
    }

    private static FoowebException badReply() {
        return new FoowebException(502, "bad_reply", "The backend sent a malformed reply");
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
