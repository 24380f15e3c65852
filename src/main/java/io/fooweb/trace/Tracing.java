package io.fooweb.trace;

import java.time.Duration;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fooweb's traces (fooweb.tracing.*): off by default, and then nothing is created, no thread, no span. On, spans go
 * over OTLP/HTTP to {@code endpoint}/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT by default, as the ecosystem expects),
 * batched on a thread of the SDK's, {@code samplePercent} of the traces that do not come with a sampled parent.
 * The spans themselves are made by {@link RequestTracing} (the web), {@link BackendTracing} (the backend) and
 * {@link SendTracing} (each NATS send of a request), joined by the W3C traceparent fooweb carries.
 */
public class Tracing implements AutoCloseable {

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return java.util.List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    /**
     * @param enabled     fooweb.tracing.enabled
     * @param endpoint    the OTLP/HTTP collector's base URL (fooweb.tracing.endpoint)
     * @param samplePercent the share of new traces recorded, in percent (fooweb.tracing.sample-percent)
     * @param serviceName service.name of the spans (fooweb.tracing.service-name)
     */
    public Tracing(boolean enabled, String endpoint, int samplePercent, String serviceName) {
        if (!enabled) {
            provider = null;
            tracer = null;
            return;
        }
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(samplePercent / 100.0)))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
                        .setTimeout(Duration.ofSeconds(5)).build()).build())
                .build();
        tracer = provider.get("io.fooweb");
        LOG.info("Traces go to {}/v1/traces (OTLP/HTTP), {}% of new traces sampled, as {}", base, samplePercent, serviceName);
    }

    boolean enabled() {
        return tracer != null;
    }

    /** A span of {@code kind}, child of the W3C {@code traceparent} when it is one, else of nothing. */
    Span start(String name, SpanKind kind, String traceparent, Attributes attributes) {
        Context parent = traceparent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, TRACEPARENT);
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).setAllAttributes(attributes).startSpan();
    }

    /** A span of {@code kind}, child of {@code parent}. */
    Span start(String name, SpanKind kind, Span parent, Attributes attributes) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(Context.root().with(parent)).setAllAttributes(attributes).startSpan();
    }

    /** The W3C traceparent of {@code span}, to carry to the next process. */
    static String traceparent(Span span) {
        SpanContext context = span.getSpanContext();
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** The bean's destroy method: the spans still queued are sent. */
    @Override
    public void close() {
        if (provider != null) {
            provider.close();
        }
    }
}
