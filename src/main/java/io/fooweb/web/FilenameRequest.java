package io.fooweb.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fooweb.http.RefusedBody;
import io.fooweb.wire.Filename;
import io.fooweb.wire.FoowebException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The filename a POST /req names, checked by the rules of {@link Filename} before any NATS traffic: the {@code filename}
 * field of a form (url-encoded, {@code curl -d filename=...}, or multipart, {@code curl -F filename=...}, as the
 * original's Gin reads both) or of a JSON object ({@code Content-Type: application/json}). The default filename only
 * when the request names no file at all: an empty body, or a form without that field. A body that cannot be read as
 * one of these is refused with its reason, never answered with the default.
 */
public class FilenameRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String defaultFilename;

    public FilenameRequest(String defaultFilename) {
        this.defaultFilename = defaultFilename;
    }

    public String extract(Exchange exchange) {
        if (exchange.getVariable(RefusedBody.VARIABLE) instanceof FoowebException refused) {
            throw refused;
        }
        Message message = exchange.getMessage();
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, "", String.class).toLowerCase(Locale.ROOT);
        Object body = message.getBody();
        String filename;
        if (body instanceof Map<?, ?> form) {
            filename = fromForm(form);
        } else if (body == null || body instanceof byte[] bytes && bytes.length == 0) {
            filename = null;
        } else if (contentType.startsWith("application/json")) {
            filename = fromJson(message.getBody(byte[].class));
        } else {
            throw new FoowebException(415, "unsupported_media_type", "Send the filename as a form field (application/x-www-form-urlencoded"
                    + " or multipart/form-data) or as JSON (application/json), not " + (contentType.isEmpty() ? "an untyped body" : contentType));
        }
        if (filename == null) {
            return defaultFilename;
        }
        // the form decoder turns invalid UTF-8 into U+FFFD; refuse it rather than look up a mangled name
        if (filename.indexOf('\uFFFD') >= 0) {
            throw Filename.invalid("The filename is not valid UTF-8");
        }
        return Filename.decode(filename.getBytes(StandardCharsets.UTF_8));
    }

    /** A form's filename field; null when it has none. A form whose only field looks like JSON was JSON sent as a form. */
    private static String fromForm(Map<?, ?> form) {
        Object value = form.get("filename");
        if (value == null) {
            if (form.size() == 1 && form.keySet().iterator().next() instanceof String only && only.stripLeading().startsWith("{")) {
                throw FoowebException.badRequest("invalid_form", "The body looks like JSON sent as a form: send it with Content-Type:"
                        + " application/json");
            }
            return null;
        }
        if (value instanceof String text) {
            return text;
        }
        throw Filename.invalid("Send one filename field");
    }

    private static String fromJson(byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw FoowebException.badRequest("invalid_json", "The body is not valid JSON in UTF-8");
        }
        if (json == null || !json.isObject()) {
            throw FoowebException.badRequest("invalid_json", "The body must be a JSON object such as {\"filename\": \"/etc/hostname\"}");
        }
        JsonNode filename = json.get("filename");
        if (filename == null || filename.isNull()) {
            return null;
        }
        if (!filename.isTextual()) {
            throw Filename.invalid("filename must be a string");
        }
        return filename.textValue();
    }
}
