package io.fooweb.trace;

import io.fooweb.backend.FileSlice;
import io.fooweb.patch.camelmain.CountingRoutePolicy;
import io.fooweb.wire.FoowebException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import org.apache.camel.Exchange;
import org.apache.camel.Route;

/**
 * The backend's span of each request it handles (consumer kind, the backend route's policy): child of the span of
 * the web's send that reached it (the request's traceparent header), with the file's size and the outcome.
 */
public class BackendTracing implements CountingRoutePolicy {

    /** Exchange property: the file the request read, for the span's size attribute (set by ReplyWriter). */
    public static final String FILE = "FoowebFileRead";
    private static final String SPAN = "FoowebBackendSpan";
    private static final AttributeKey<Long> SIZE = AttributeKey.longKey("fooweb.file.size");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("fooweb.outcome");

    private final Tracing tracing;
    private final String subject;

    public BackendTracing(Tracing tracing, String subject) {
        this.tracing = tracing;
        this.subject = subject;
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        if (!tracing.enabled()) {
            return;
        }
        String traceparent = exchange.getIn().getHeader("traceparent", String.class);
        exchange.setProperty(SPAN, tracing.start("process " + subject, SpanKind.CONSUMER, traceparent, Attributes.of(
                Tracing.MESSAGING_SYSTEM, "nats", Tracing.MESSAGING_DESTINATION, subject, Tracing.MESSAGING_OPERATION_TYPE, "process")));
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        if (!(exchange.getProperty(SPAN) instanceof Span span)) {
            return;
        }
        if (exchange.getProperty(FILE) instanceof FileSlice file) {
            span.setAttribute(SIZE, file.size());
        }
        Throwable failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure == null) {
            span.setAttribute(OUTCOME, "ok");
        } else {
            String code = failure instanceof FoowebException known ? known.getCode() : "internal_error";
            span.setAttribute(OUTCOME, code);
            span.setAttribute(Tracing.ERROR_TYPE, code);
            if (!(failure instanceof FoowebException known) || known.getStatus() >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
        }
        span.end();
    }
}
