package io.fooweb.patch.platformhttp;

import java.util.Arrays;
import java.util.List;

import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * platform-http's Vert.x engine, pinned to the main HTTP server ({@code camel.server.port}).
 * <p>
 * camel-platform-http-vertx 4.17.0 finds the port its consumers attach to by looking for the one Vert.x router in the
 * registry. With the management server on a port of its own there are two routers, and it falls back to 8080: unless
 * {@code camel.server.port} happens to be 8080, {@code /req} fails to start ("No PlatformHttpEngine created and setup
 * in registry with name: platform-http-router-8080"). This engine answers with the main server's port instead.
 * <p>
 * Its consumers run the web routes on the event loop ({@link EventLoopHttpConsumer}) and give them only the request
 * headers and query parameters named here.
 */
public class MainServerHttpEngine extends VertxPlatformHttpEngine {

    private final List<String> requestHeaders;
    private final List<String> queryParameters;

    /**
     * @param requestHeaders  the request headers the routes read, comma-separated; they become Camel headers
     * @param queryParameters the query parameters the routes read, comma-separated; they become Camel headers too
     */
    public MainServerHttpEngine(String requestHeaders, String queryParameters) {
        this.requestHeaders = names(requestHeaders);
        this.queryParameters = names(queryParameters);
    }

    private static List<String> names(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    @Override
    public int getServerPort() {
        MainHttpServer main = getCamelContext().hasService(MainHttpServer.class);
        return main != null ? main.getPort() : super.getServerPort();
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new EventLoopHttpConsumer(endpoint, processor, getHandlers(),
                VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()), requestHeaders, queryParameters);
    }
}
