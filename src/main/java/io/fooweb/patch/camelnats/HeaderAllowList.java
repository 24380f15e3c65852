package io.fooweb.patch.camelnats;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Lets only the headers fooweb defines cross between Camel and NATS, in both directions. camel-nats 4.17.0 copies
 * every header by default, so a NATS request carrying {@code CamelFileName} or the like would steer the worker's
 * exchange (CVE-2026-46457) and every HTTP header would go onto the wire.
 */
public class HeaderAllowList implements HeaderFilterStrategy {

    private final Set<String> allowed;

    /** @param names the header names that may cross, comma-separated */
    public HeaderAllowList(String names) {
        this.allowed = java.util.Arrays.stream(names.split(",")).map(String::trim).filter(n -> !n.isEmpty()).map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    private boolean blocked(String name) {
        return name == null || !allowed.contains(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return blocked(headerName);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return blocked(headerName);
    }
}
