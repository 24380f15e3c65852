package io.fooweb.patch.camelmain;

import org.apache.camel.Route;
import org.apache.camel.spi.RoutePolicy;

/**
 * A route policy that only counts exchanges. It has no lifecycle, so its counts live as long as the process whatever
 * one of its routes does: a RoutePolicySupport is a service, which the first of several routes to stop would stop for
 * all of them (a stopped policy is skipped).
 */
public interface CountingRoutePolicy extends RoutePolicy {

    @Override
    default void onInit(Route route) { }

    @Override
    default void onRemove(Route route) { }

    @Override
    default void onStart(Route route) { }

    @Override
    default void onStop(Route route) { }

    @Override
    default void onSuspend(Route route) { }

    @Override
    default void onResume(Route route) { }
}
