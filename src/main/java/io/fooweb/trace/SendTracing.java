package io.fooweb.trace;

import io.fooweb.patch.camelnats.SendTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import org.apache.camel.Exchange;

/**
 * A span of each NATS send of a POST /req (client kind, the {@code tracer} of the req route's {@code to: nats:}):
 * child of the request's server span, one per send, a hedge marked as such; the send carries its traceparent, so the
 * backend's span is its child.
 */
public class SendTracing implements SendTracer {

    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("fooweb.attempt");
    private static final AttributeKey<Boolean> HEDGE = AttributeKey.booleanKey("fooweb.hedge");
    private static final AttributeKey<Boolean> ANSWERED = AttributeKey.booleanKey("fooweb.answered");

    private final Tracing tracing;

    public SendTracing(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public Object sending(Exchange exchange, int attempt, String subject) {
        if (!(exchange.getProperty(RequestTracing.SPAN) instanceof Span request) || !request.getSpanContext().isValid()) {
            return null;
        }
        return tracing.start("send " + subject, SpanKind.CLIENT, request, Attributes.builder()
                .put(Tracing.MESSAGING_SYSTEM, "nats").put(Tracing.MESSAGING_DESTINATION, subject)
                .put(Tracing.MESSAGING_OPERATION_TYPE, "send").put(ATTEMPT, attempt + 1L).put(HEDGE, attempt > 0).build());
    }

    @Override
    public String traceparent(Object span) {
        return span instanceof Span sent ? Tracing.traceparent(sent) : null;
    }

    @Override
    public void ended(Object span, boolean answered, Throwable failure) {
        if (!(span instanceof Span sent)) {
            return;
        }
        sent.setAttribute(ANSWERED, answered);
        if (failure != null) {
            sent.setAttribute(Tracing.ERROR_TYPE, failure.getClass().getSimpleName());
            sent.setStatus(StatusCode.ERROR);
        }
        sent.end();
    }
}
