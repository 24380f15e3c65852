package io.fooweb.http;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.platform.http.PlatformHttpConstants;

/** The HTTP servers: platform-http's engine for the web's routes, and a start that fails when a port is taken. */
@Configuration
public class HttpBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        context.addStartupListener(new HttpPortsBound());
    }

    /** Keeps /req and /stats on camel.server.port now that the management server has a port of its own. */
    @BindToRegistry(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    public MainServerHttpEngine platformHttpEngine() {
        return new MainServerHttpEngine();
    }
}
