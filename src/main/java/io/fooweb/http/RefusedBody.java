package io.fooweb.http;

/**
 * A request body the HTTP server refused before the route ran (over {@code camel.server.maxBodySize}, or a form it
 * cannot decode): the server still runs the route, with the refusal (a {@code FoowebException}) in this exchange
 * variable, and the step that reads the body throws it, so the client gets the routes' JSON error and the request log
 * its line.
 */
public final class RefusedBody {

    /** The exchange variable holding the refusal. */
    public static final String VARIABLE = "refusedBody";

    private RefusedBody() {
    }
}
