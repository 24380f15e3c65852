package io.fooweb.web;

import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LifeCycle2;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.camel.CamelContext;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * Writes the request-log lines still queued for log4j's background thread when Camel has stopped: log4j's own shutdown
 * hook is off (so that Camel can log while it stops), and the JVM exits as soon as Camel is done, which would drop the
 * lines of the last requests. Camel Main adds a lifecycle strategy it finds among the beans by itself.
 */
public class AccessLogDrain extends LifecycleStrategySupport {

    @Override
    public void onContextStopped(CamelContext context) {
        if (LogManager.getContext(false) instanceof LoggerContext logging
                && logging.getConfiguration().getAsyncLoggerConfigDelegate() instanceof LifeCycle2 asyncLoggers) {
            // log4j drains only when it stops the background thread: stop it, then start it again for a Camel that
            // starts anew in this JVM (a test, a reload)
            asyncLoggers.stop(2, TimeUnit.SECONDS);
            asyncLoggers.start();
        }
    }
}
