package io.fooweb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * The reply format between our web and our backend, on top of the original wire contract.
 * <p>
 * A plain request (payload = filename) gets a plain reply: the file's bytes, or an empty payload on failure, exactly
 * like the original Go backend. A request that carries the header {@value #REQUEST_HEADER} gets one JSON status line
 * and then the bytes: {@code FOOWEB/1 {"status":200,...}\n<bytes>}. camel-nats replies carry no NATS headers, so the
 * status has to travel in the payload. Both kinds are cut so that they fit the server's max_payload: a larger reply
 * would be dropped by the client and the caller would only see a timeout.
 */
public class ReplyEnvelope {

    /** NATS request header by which our web asks for the status line. */
    public static final String REQUEST_HEADER = "Fooweb-Envelope";
    private static final byte[] MAGIC = "FOOWEB/1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_START = "{\"file_contents\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_END = "\"}".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NatsConnector nats;
    private final String backendId;

    public ReplyEnvelope(NatsConnector nats, String backendId) {
        this.nats = nats;
        this.backendId = backendId;
    }

    // ---- backend side ----

    /** The reply for a file that was read. */
    public byte[] success(@Body FileSlice file, @Header(REQUEST_HEADER) String envelope) {
        if (envelope == null) {
            return file.limitTo(maxPayload()).bytes();
        }
        byte[] head = head(200, file.size(), file.truncated(), null);
        byte[] content = file.bytes();
        int length = Math.min(content.length, Math.max(maxPayload() - head.length, 0));
        if (length < content.length) {
            // "truncated":true is no longer than "truncated":false, so the cut content still fits
            head = head(200, file.size(), true, null);
        }
        // one copy of the content, straight behind the status line (up to 1 MiB per reply)
        byte[] reply = Arrays.copyOf(head, head.length + length);
        System.arraycopy(content, 0, reply, head.length, length);
        return reply;
    }

    /** The reply for a failed request: empty for plain clients, the status line for our web. */
    public byte[] failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable cause, @Header(REQUEST_HEADER) String envelope) {
        if (envelope == null) {
            return new byte[0];
        }
        FoowebException failure = asFoowebException(cause);
        return head(failure.getStatus(), 0, false, failure);
    }

    private int maxPayload() {
        Connection connection = nats.connectionOrNull();
        long serverLimit = connection == null ? 0 : connection.getMaxPayload();
        return serverLimit > 0 ? (int) Math.min(serverLimit, Integer.MAX_VALUE) : Integer.MAX_VALUE;
    }

    /** The status line, written field by field (a Map through ObjectMapper was a tenth of the backend's JFR profile). */
    private byte[] head(int status, long size, boolean truncated, FoowebException failure) {
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
            line.writeStringField("backend", backendId);
            line.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    static FoowebException asFoowebException(Throwable cause) {
        if (cause instanceof FoowebException known) {
            return known;
        }
        return new FoowebException(500, "internal_error", "The backend failed unexpectedly; see its log");
    }

    // ---- web side ----

    /**
     * Reads a reply: an envelope from our backend, or plain bytes from a plain one (such as the original Go
     * backend). Throws the backend's failure as a {@link FoowebException}. The backend the envelope names (host:pid)
     * becomes the variable {@code backend}, for the response header Fooweb-Backend and the request log, on success
     * and failure alike; a plain reply names none.
     */
    public static Reply open(@Body byte[] payload, Exchange exchange) {
        if (payload == null) {
            payload = new byte[0];
        }
        if (!startsWithMagic(payload)) {
            return new Reply(payload, payload.length, false);
        }
        int newline = indexOf(payload, (byte) '\n', MAGIC.length);
        if (newline < 0) {
            throw new FoowebException(502, "bad_reply", "The backend sent a malformed reply");
        }
        JsonNode line;
        try {
            line = JSON.readTree(Arrays.copyOfRange(payload, MAGIC.length, newline));
        } catch (IOException e) {
            throw new FoowebException(502, "bad_reply", "The backend sent a malformed reply");
        }
        int status = line.path("status").asInt(502);
        String backend = line.path("backend").asText(null);
        if (isBackendId(backend)) {
            exchange.setVariable("backend", backend);
        }
        if (status != 200) {
            throw new FoowebException(status, line.path("error").asText("backend_error"),
                    line.path("message").asText("The backend reported an error"));
        }
        int offset = newline + 1;
        return new Reply(payload, offset, line.path("size").asLong(payload.length - offset), line.path("truncated").asBoolean(false));
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

    /** The JSON answer to a successful request ({@link Reply#toJson()}). */
    public static byte[] json(@Body Reply reply) {
        return reply.toJson();
    }

    /** The file's bytes, for a client that accepts application/octet-stream. */
    public static byte[] content(@Body Reply reply) {
        return reply.content();
    }

    /**
     * A successful reply as the web sees it: the file's bytes are {@code payload} from {@code offset} on (after our
     * status line, if any; kept in place rather than copied, as a reply can be 1 MiB).
     */
    public record Reply(byte[] payload, int offset, long size, boolean truncated) {

        public Reply(byte[] content, long size, boolean truncated) {
            this(content, 0, size, truncated);
        }

        public int length() {
            return payload.length - offset;
        }

        public byte[] content() {
            return offset == 0 ? payload : Arrays.copyOfRange(payload, offset, payload.length);
        }

        /**
         * The JSON answer: {"file_contents": ...}, plus "truncated" and "size" when the file was cut. Invalid UTF-8
         * becomes U+FFFD, as in the original's JSON. Valid UTF-8 (nearly every file) is escaped as bytes, without
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
            byte[] end = truncated ? ("\",\"truncated\":true,\"size\":" + size + "}").getBytes(StandardCharsets.US_ASCII) : JSON_END;
            byte[] json = new byte[Math.toIntExact(JSON_START.length + escaped + end.length)];
            System.arraycopy(JSON_START, 0, json, 0, JSON_START.length);
            int at = JsonText.writeEscaped(text, from, json, JSON_START.length);
            System.arraycopy(end, 0, json, at, end.length);
            return json;
        }
    }

    private static boolean startsWithMagic(byte[] payload) {
        return payload.length >= MAGIC.length && Arrays.equals(payload, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
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
