package io.fooweb.web;

import io.fooweb.wire.Envelope;

import io.nats.client.NUID;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The first step of POST /req: names the request for the logs and the backend. Sets the variables
 * <ul>
 * <li>{@code requestId}: the client's {@code X-Request-Id} when it is a sane token (at most {@value #MAX_ID_LENGTH} of
 * {@code [A-Za-z0-9._-]}), else a new NUID (22 characters, unique without coordination);</li>
 * <li>{@code traceparent}: the client's W3C {@code traceparent} when it is well-formed, else none.</li>
 * </ul>
 * Both travel to the backend as NATS headers ({@value Envelope#REQUEST_ID_HEADER}, {@value Envelope#TRACEPARENT_HEADER}) and appear
 * in the request log; the id also comes back as the response header {@code X-Request-Id}. Anything else a client
 * sends in these headers is dropped, so it can neither reach the backend nor forge a log field.
 */
public class RequestTrace implements Processor {

    /** NATS header that carries the request id from our web to our backend. */
    /** NATS header that carries the W3C trace context, under its HTTP name. */
    static final int MAX_ID_LENGTH = 64;

    @Override
    public void process(Exchange exchange) {
        String id = ClientHeaders.single(exchange, "X-Request-Id");
        exchange.setVariable("requestId", isSaneId(id) ? id : NUID.nextGlobal());
        String traceparent = ClientHeaders.single(exchange, Envelope.TRACEPARENT_HEADER);
        if (isTraceparent(traceparent)) {
            exchange.setVariable("traceparent", traceparent);
        }
    }

    /** 1 to {@value #MAX_ID_LENGTH} characters of [A-Za-z0-9._-]. */
    static boolean isSaneId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A W3C trace context traceparent as version 00 defines it: {@code vv-<32 hex trace-id>-<16 hex parent-id>-ff},
     * lower-case hex, version not {@code ff}, neither id all zeros. (A later version may append fields; those are
     * not forwarded.)
     */
    public static boolean isTraceparent(String value) {
        if (value == null || value.length() != 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return false;
        }
        return isHex(value, 0, 2) && !value.startsWith("ff")
                && isHex(value, 3, 35) && !isZeros(value, 3, 35)
                && isHex(value, 36, 52) && !isZeros(value, 36, 52)
                && isHex(value, 53, 55);
    }

    private static boolean isHex(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZeros(String value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (value.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
