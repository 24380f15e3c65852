package io.fooweb.web;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * Reads a header the HTTP client sent. platform-http also turns query parameters and form fields into Camel headers
 * of the same names, so {@code ?Authorization=...} or a form field {@code X-Request-Id} would look like headers; this
 * reads the HTTP request's own headers, where the exchange still has the Vert.x request.
 */
final class ClientHeaders {

    private ClientHeaders() {
    }

    /** Every value of the request header {@code name} (empty when absent). */
    static List<String> all(Exchange exchange, String name) {
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            return http.getRequest().headers().getAll(name);
        }
        String value = exchange.getIn().getHeader(name, String.class);
        return value == null ? List.of() : List.of(value);
    }

    /** The request header {@code name} when the client sent it exactly once; null otherwise. */
    static String single(Exchange exchange, String name) {
        List<String> values = all(exchange, name);
        return values.size() == 1 ? values.get(0) : null;
    }
}
