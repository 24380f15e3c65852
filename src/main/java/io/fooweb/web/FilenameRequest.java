package io.fooweb.web;

import io.fooweb.http.EventLoopHttpConsumer;
import io.fooweb.wire.Filename;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** The filename a POST /req names, checked by the rules of {@link Filename} before any NATS traffic. */
public class FilenameRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String defaultFilename;

    public FilenameRequest(String defaultFilename) {
        this.defaultFilename = defaultFilename;
    }

    /**
     * The {@code filename} field of a form body ({@code curl -d filename=...}) or a JSON body
     * ({@code {"filename": "..."}}); the default filename when the field is absent. A body Vert.x already refused
     * (too large, an undecodable form: {@link EventLoopHttpConsumer}) fails here, where the body would have been read.
     */
    public String extract(Exchange exchange) {
        if (exchange.getVariable(EventLoopHttpConsumer.REFUSED_BODY) instanceof FoowebException refused) {
            throw refused;
        }
        Message message = exchange.getMessage();
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, "", String.class).toLowerCase(Locale.ROOT);
        String filename = contentType.startsWith("application/json") ? fromJson(message.getBody(byte[].class)) : fromForm(message.getBody());
        if (filename == null) {
            return defaultFilename;
        }
        // platform-http's form decoder turns invalid UTF-8 into U+FFFD; refuse it rather than look up a mangled name
        if (filename.indexOf('\uFFFD') >= 0) {
            throw invalid("The filename is not valid UTF-8");
        }
        return Filename.decode(filename.getBytes(StandardCharsets.UTF_8));
    }

    private static String fromForm(Object body) {
        // platform-http hands a url-encoded form over as a map of field to value (a list for a repeated field)
        if (!(body instanceof Map<?, ?> form) || !form.containsKey("filename")) {
            return null;
        }
        if (form.get("filename") instanceof String value) {
            return value;
        }
        throw invalid("Send one filename field");
    }

    private static String fromJson(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
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
            throw invalid("filename must be a string");
        }
        return filename.textValue();
    }

    private static FoowebException invalid(String message) {
        return Filename.invalid(message);
    }
}
