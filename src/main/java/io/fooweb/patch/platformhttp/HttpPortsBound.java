package io.fooweb.patch.platformhttp;

import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.TCPServerBase;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;

/**
 * Fails the start when one of this process's HTTP servers (the API's, the management server's) could not listen on
 * its port.
 * <p>
 * camel-platform-http-vertx 4.17.0 only logs a warning when the port is taken and starts anyway: a web would then run
 * without its API, and a second fooweb on the same machine with the same management port would run without health
 * endpoints while its probes get the answers of the first. Failing the start makes the mistake visible and lets
 * systemd's {@code Restart=on-failure} retry.
 */
public class HttpPortsBound implements CamelContextAware, StartupListener {

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The bean's init method: Camel calls startup listeners it is given, not those in its registry. */
    public void start() throws Exception {
        camelContext.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // checked once the routes have started, below
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        for (VertxPlatformHttpServer server : context.hasServices(VertxPlatformHttpServer.class)) {
            HttpServer http = server.getServer();
            // Vert.x 4.5 tells whether the bind succeeded only on its implementation class (actualPort() keeps the
            // requested port after a failed bind)
            if (http == null || (http instanceof TCPServerBase tcp && !tcp.isListening())) {
                throw new IllegalStateException("Cannot listen on " + server.getHost() + ":" + server.getConfigurationPort()
                        + " (see the warning above); is another process using the port?");
            }
        }
    }
}
