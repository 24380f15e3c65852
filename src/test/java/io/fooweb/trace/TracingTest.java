package io.fooweb.trace;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.fooweb.FoowebMain;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.OtlpReceiver;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Traces on (fooweb.tracing.*) towards an OTLP receiver on loopback: a hedged POST /req gives one trace across web,
 * NATS sends and backend, with the parents, kinds and attributes the semantic conventions name.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class TracingTest {

    @RegisterExtension
    static OtlpReceiver receiver = new OtlpReceiver();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();

    @Test
    void aHedgedRequestIsOneTraceAcrossWebSendsAndBackend() throws Exception {
        env.awaitBackendServing();
        try (Connection silent = Nats.connect(env.nats().url())) {
            // a second fooweb backend as the web sees it, which leaves what it is sent unanswered: a request sent
            // there first is hedged to the real one
            Dispatcher swallowing = silent.createDispatcher(message -> { });
            swallowing.subscribe("fooweb_req.silent");
            silent.flush(Duration.ofSeconds(2));
            byte[] heartbeat = "{\"id\":\"silent\",\"subject\":\"fooweb_req.silent\",\"backend\":\"elsewhere:1\"}".getBytes(StandardCharsets.UTF_8);
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            String clientSpan = "00f067aa0ba902b7";
            await("a request hedged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
                silent.publish("fooweb_backends", heartbeat);
                HttpResponse<String> response = http.send(http.request("/req", "traceparent", "00-" + traceId + "-" + clientSpan + "-01")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=/etc/hostname")).build());
                assertEquals(200, response.statusCode());
                return hedgesWon() > 0;
            });

            List<OtlpReceiver.Received> hedged = await("the spans of a hedged request").atMost(Duration.ofSeconds(20))
                    .until(() -> hedgedTrace(traceId), trace -> !trace.isEmpty());

            Span server = one(hedged, Span.SpanKind.SPAN_KIND_SERVER);
            List<Span> sends = of(hedged, Span.SpanKind.SPAN_KIND_CLIENT);
            Span backend = one(hedged, Span.SpanKind.SPAN_KIND_CONSUMER);
            assertEquals(clientSpan, hex(server.getParentSpanId().toByteArray()), "the server span continues the client's trace");
            assertEquals("POST /req", server.getName());
            assertEquals(200L, attribute(server, "http.response.status_code").getIntValue());
            assertEquals("POST", attribute(server, "http.request.method").getStringValue());
            assertEquals(2, sends.size());
            for (Span send : sends) {
                assertEquals(server.getSpanId(), send.getParentSpanId(), "each send is a child of the request's span");
                assertEquals("nats", attribute(send, "messaging.system").getStringValue());
                assertEquals("send", attribute(send, "messaging.operation.type").getStringValue());
            }
            Span hedge = sends.stream().filter(send -> attribute(send, "fooweb.hedge").getBoolValue()).findFirst().orElseThrow();
            assertEquals(2L, attribute(hedge, "fooweb.attempt").getIntValue());
            Span answered = sends.stream().filter(send -> attribute(send, "fooweb.answered").getBoolValue()).findFirst().orElseThrow();
            assertEquals(answered.getSpanId(), backend.getParentSpanId(), "the backend's span is a child of the send that reached it");
            assertEquals("nats", attribute(backend, "messaging.system").getStringValue());
            assertEquals("process", attribute(backend, "messaging.operation.type").getStringValue());
            assertEquals("ok", attribute(backend, "fooweb.outcome").getStringValue());
            assertTrue(attribute(backend, "fooweb.file.size").getIntValue() > 0);
            assertEquals(Set.of("fooweb-all"), hedged.stream().map(OtlpReceiver.Received::service).collect(Collectors.toSet()));
        }
    }

    /** The spans of a trace with two sends under {@code traceId}, once its backend span arrived too; empty before. */
    private List<OtlpReceiver.Received> hedgedTrace(String traceId) {
        Map<String, List<OtlpReceiver.Received>> byServerSpan = receiver.spans().stream()
                .filter(received -> hex(received.span().getTraceId().toByteArray()).equals(traceId))
                .collect(Collectors.groupingBy(received -> received.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER
                        ? hex(received.span().getSpanId().toByteArray()) : hex(received.span().getParentSpanId().toByteArray())));
        for (List<OtlpReceiver.Received> underServer : byServerSpan.values()) {
            List<Span> sends = underServer.stream().map(OtlpReceiver.Received::span)
                    .filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).toList();
            if (sends.size() == 2 && underServer.stream().anyMatch(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)) {
                List<OtlpReceiver.Received> trace = new java.util.ArrayList<>(underServer);
                Set<String> sendIds = sends.stream().map(span -> hex(span.getSpanId().toByteArray())).collect(Collectors.toSet());
                receiver.spans().stream().filter(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_CONSUMER
                        && sendIds.contains(hex(r.span().getParentSpanId().toByteArray()))).forEach(trace::add);
                if (trace.stream().anyMatch(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_CONSUMER)) {
                    return trace;
                }
            }
        }
        return List.of();
    }

    @SuppressWarnings("unchecked")
    private long hedgesWon() {
        Map<String, Object> hedges = (Map<String, Object>) Http.json(http.get("/stats")).get("hedges");
        return ((Number) hedges.get("won")).longValue();
    }

    private static List<Span> of(List<OtlpReceiver.Received> trace, Span.SpanKind kind) {
        return trace.stream().map(OtlpReceiver.Received::span).filter(span -> span.getKind() == kind).toList();
    }

    private static Span one(List<OtlpReceiver.Received> trace, Span.SpanKind kind) {
        List<Span> spans = of(trace, kind);
        assertEquals(1, spans.size(), kind + ": " + spans);
        return spans.get(0);
    }

    private static io.opentelemetry.proto.common.v1.AnyValue attribute(Span span, String key) {
        return span.getAttributesList().stream().filter(a -> a.getKey().equals(key)).map(KeyValue::getValue).findFirst()
                .orElseThrow(() -> new AssertionError(span.getName() + " has no " + key));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
