package io.fooweb.web;

import io.fooweb.wire.FoowebException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import org.apache.camel.Exchange;
import org.slf4j.LoggerFactory;
import org.apache.camel.Processor;

/**
 * The optional API token of POST /req ({@code fooweb.web.api.token}): when set, a request must carry
 * {@code Authorization: Bearer <token>}, or it is refused with 401 before anything else happens. Empty = off.
 * <p>
 * Only the HTTP header counts (not a query parameter or form field of that name, which platform-http would also
 * present as a header: tokens in URLs end up in proxy logs). The comparison is of SHA-256 digests with
 * {@link MessageDigest#isEqual}, so its time depends neither on the token nor on how much of it a guess got right.
 * The header is removed from the exchange at once, whether the token is on or not, so nothing later that may show
 * an exchange's headers (Camel's tracer, a log step showing headers, an error handler configured to show them) can
 * show it. The token itself is never logged.
 */
public class ApiToken implements Processor {

    private static final String AUTHORIZATION = "Authorization";
    private static final String BEARER = "bearer ";

    private final byte[] expectedDigest;

    /**
     * @param token the token; empty = none needed. Never logged: Camel's startup summary masks a property whose last
     *              segment is "token" (fooweb.web.api.token)
     */
    public ApiToken(String token) {
        this.expectedDigest = token == null || token.isBlank() ? null : sha256(token.strip());
        if (expectedDigest != null) {
            LoggerFactory.getLogger(ApiToken.class).info("POST /req requires the API token (fooweb.web.api.token)");
        }
    }

    public boolean isRequired() {
        return expectedDigest != null;
    }

    @Override
    public void process(Exchange exchange) {
        if (expectedDigest == null) {
            exchange.getIn().removeHeader(AUTHORIZATION);
            return;
        }
        List<String> presented = ClientHeaders.all(exchange, AUTHORIZATION);
        exchange.getIn().removeHeader(AUTHORIZATION);
        // one Authorization header, scheme Bearer (case-insensitive, RFC 7235), then the token
        if (presented.size() != 1 || !accepts(presented.get(0))) {
            throw new FoowebException(401, "unauthorized", "Send the API token as Authorization: Bearer <token>");
        }
    }

    private boolean accepts(String authorization) {
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JVM has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return isRequired() ? "ApiToken[required]" : "ApiToken[off]";
    }
}
