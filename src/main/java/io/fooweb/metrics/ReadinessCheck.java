package io.fooweb.metrics;

import org.apache.camel.impl.health.AbstractHealthCheck;

/** A fooweb health check that counts for readiness only: restarting the process would not mend what it reports. */
public abstract class ReadinessCheck extends AbstractHealthCheck {

    protected ReadinessCheck(String id) {
        super("fooweb", id);
    }

    @Override
    public boolean isReadiness() {
        return true;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
