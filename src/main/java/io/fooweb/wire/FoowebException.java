package io.fooweb.wire;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Variable;

/**
 * A failure with an HTTP status and a stable machine-readable code. The backend sends status, code and message
 * to the web in the reply envelope, and the web's error routes turn them into the JSON error body.
 */
public class FoowebException extends RuntimeException {

    private final int status;
    private final String code;

    public FoowebException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static FoowebException badRequest(String code, String message) {
        return new FoowebException(400, code, message);
    }

    public static FoowebException forbidden(String code, String message) {
        return new FoowebException(403, code, message);
    }

    public static FoowebException notFound(String message) {
        return new FoowebException(404, "not_found", message);
    }

    public int getStatus() {
        return status;
    }

    public String getCode() {
        return code;
    }

    /** The JSON error body every failed HTTP answer carries: {"error": code, "message": sentence}. */
    public static Map<String, Object> errorBody(@Variable("error") String error, @Variable("message") String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        return body;
    }
}
