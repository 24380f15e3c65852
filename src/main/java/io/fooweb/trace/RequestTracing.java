package io.fooweb.trace;

import io.fooweb.patch.camelmain.CountingRoutePolicy;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * The web's span of each POST /req (server kind, the route's policy): from the request to its answer, child of the
 * client's W3C traceparent when it sent a valid one, with the HTTP semantic conventions' attributes.
 */
public class RequestTracing implements CountingRoutePolicy {

    /** Exchange property: the request's server span, which its NATS sends' spans are children of. */
    static final String SPAN = "FoowebServerSpan";
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private final Tracing tracing;

    public RequestTracing(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        if (!tracing.enabled()) {
            return;
        }
        String traceparent = null;
        String method = "POST";
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            traceparent = http.getRequest().getHeader("traceparent");
            method = http.getRequest().method().name();
        }
        Span span = tracing.start(method + " /req", SpanKind.SERVER, io.fooweb.web.RequestTrace.isTraceparent(traceparent) ? traceparent : null,
                Attributes.of(AttributeKey.stringKey("http.request.method"), method, AttributeKey.stringKey("url.path"), "/req",
                        AttributeKey.stringKey("http.route"), "/req", AttributeKey.stringKey("url.scheme"), "http"));
        exchange.setProperty(SPAN, span);
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        if (!(exchange.getProperty(SPAN) instanceof Span span)) {
            return;
        }
        int status = exchange.isFailed() ? 500 : exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        span.setAttribute(STATUS, status);
        Object requestId = exchange.getVariable("requestId");
        if (requestId != null) {
            span.setAttribute("fooweb.request_id", requestId.toString());
        }
        if (status >= 500) {
            Object error = exchange.getVariable("error");
            span.setAttribute(Tracing.ERROR_TYPE, error != null ? error.toString() : String.valueOf(status));
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
