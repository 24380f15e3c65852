package io.fooweb.web;

import io.fooweb.nats.RequestProperties;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log: one INFO line per POST /req on the logger {@code io.fooweb.access}, written as the last step of
 * the answer, successful or not (the req route for a success, the error-response route for every failure).
 * <pre>
 * id=4kHk0dOaK1wB3sFxWq2NaT filename="/etc/hostname" status=200 duration_ms=3 backend=web1:4711 bytes=29
 * id=7Qm2sVx0pLr5cT9bGd1KfE filename="/etc/hostname" status=200 duration_ms=61 backend=web2:5120 bytes=29 attempts=2 answered_by=2
 * id=abc-1 filename="nope.txt" status=404 duration_ms=2 backend=web1:4711 bytes=58 traceparent=00-...-01 error=not_found cause="io.fooweb.wire.FoowebException: The file does not exist"
 * </pre>
 * Fields: the request id ({@link RequestTrace}), the filename asked for, the HTTP status, the milliseconds since the
 * request arrived, the backend that answered (host:pid, from its reply), the bytes of the response body; then
 * {@code attempts} when the request was hedged (sent that many times to the queue group) and, if one was answered,
 * {@code answered_by}: which send (1 the first, 2 the first hedge, ...), {@code traceparent} when the client sent a
 * valid one, and for a failure the error code and its cause. A missing
 * value is {@code -}. A value that is not a plain token (the filename and the cause always) is quoted with {@code "}
 * and {@code \} escaped and control characters written as {@code \n}, {@code \}{@code uXXXX}, so no request can add a
 * line or a field. Nothing is computed when the logger is off.
 */
public class AccessLog implements org.apache.camel.Processor {

    static final Logger LOG = LoggerFactory.getLogger("io.fooweb.access");

    @Override
    public void process(Exchange exchange) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        Message message = exchange.getMessage();
        Object status = message.getHeader(Exchange.HTTP_RESPONSE_CODE);
        StringBuilder line = new StringBuilder(160);
        field(line, "id", exchange.getVariable("requestId"), false);
        field(line, "filename", exchange.getVariable("filename"), true);
        field(line, "status", status == null ? "200" : status, false);
        field(line, "duration_ms", exchange.getClock().elapsed(), false);
        field(line, "backend", exchange.getVariable("backend"), false);
        field(line, "bytes", bytes(message.getBody()), false);
        Object attempts = exchange.getProperty(RequestProperties.ATTEMPTS);
        if (attempts != null) {
            field(line, "attempts", attempts, false);
            Object answeredBy = exchange.getProperty(RequestProperties.ANSWERED_BY);
            if (answeredBy != null) {
                field(line, "answered_by", answeredBy, false);
            }
        }
        Object traceparent = exchange.getVariable("traceparent");
        if (traceparent != null) {
            field(line, "traceparent", traceparent, false);
        }
        Object error = exchange.getVariable("error");
        if (error != null) {
            field(line, "error", error, false);
            Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (cause != null) {
                field(line, "cause", cause.toString(), true);
            }
        }
        LOG.info(line.toString());
    }

    private static Object bytes(Object body) {
        if (body instanceof byte[] bytes) {
            return bytes.length;
        }
        return body == null ? 0 : null;
    }

    private static void field(StringBuilder line, String key, Object value, boolean alwaysQuote) {
        if (!line.isEmpty()) {
            line.append(' ');
        }
        line.append(key).append('=');
        if (value == null) {
            line.append('-');
            return;
        }
        String text = value.toString();
        if (!alwaysQuote && isPlain(text)) {
            line.append(text);
        } else {
            quote(line, text);
        }
    }

    private static boolean isPlain(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static void quote(StringBuilder line, String text) {
        line.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }
}
