package io.fooweb.web;

import java.util.Locale;

import io.fooweb.nats.RequestProperties;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The {@code Server-Timing} header of every POST /req answer, which browsers' developer tools and {@code curl -i}
 * show as is: {@code nats} the time from the first send to NATS until the request ended, {@code backend} the time the
 * answering backend says it took (our backends only; plain ones say nothing), {@code total} the time since the request
 * arrived, each in milliseconds; a part that did not happen (a request refused before any NATS traffic) is left out.
 * Each is within the one after it: the backend's time is part of the NATS wait, which is part of the total.
 */
public class ServerTiming implements Processor {

    /** Exchange variable: the answering backend's own time, in microseconds, from its status line. */
    public static final String BACKEND_MICROS = "backendMicros";

    @Override
    public void process(Exchange exchange) {
        long now = System.nanoTime();
        StringBuilder header = new StringBuilder(64);
        Long waited = exchange.getProperty(RequestProperties.WAITED_NANOS, Long.class);
        if (waited != null) {
            Object backend = exchange.getVariable(BACKEND_MICROS);
            if (backend instanceof Long micros) {
                metric(header, "backend", micros / 1000.0);
            }
            metric(header, "nats", waited / 1_000_000.0);
        }
        Long began = exchange.getProperty(RequestCounter.BEGAN_NANOS, Long.class);
        if (began != null) {
            metric(header, "total", (now - began) / 1_000_000.0);
        }
        if (!header.isEmpty()) {
            exchange.getMessage().setHeader("Server-Timing", header.toString());
        }
    }

    private static void metric(StringBuilder header, String name, double millis) {
        if (!header.isEmpty()) {
            header.append(", ");
        }
        header.append(name).append(";dur=").append(String.format(Locale.ROOT, "%.3f", millis));
    }
}
