package io.fooweb;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;

/**
 * What a role does once Camel has started; the one bean a role's route file declares itself (its {@code initMethod} is
 * {@link #start()}), so that it exists exactly where the role's routes do and nothing has to guess the role.
 * <p>
 * Camel Main reads the YAML beans twice (a pre-parse, then the load), and calls startup listeners again when routes
 * are added later: only the instance the registry ended up with acts, once.
 */
public abstract class RoleStartup implements CamelContextAware, StartupListener {

    private final AtomicBoolean started = new AtomicBoolean();
    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The bean's init method. */
    public void start() throws Exception {
        camelContext.addStartupListener(this);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the role starts once every route has, below
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        boolean bound = context.getRegistry().findByType(getClass()).stream().anyMatch(instance -> instance == this);
        if (bound && started.compareAndSet(false, true)) {
            started(context);
        }
    }

    /** Once, when Camel has started. */
    protected abstract void started(CamelContext context);
}
