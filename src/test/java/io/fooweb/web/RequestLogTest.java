package io.fooweb.web;

import io.fooweb.FoowebMain;
import io.fooweb.wire.FoowebException;

import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Operability of POST /req with both roles in one process: which backend answered (Fooweb-Backend), the request id
 * (X-Request-Id) and traceparent, and the request log (io.fooweb.access): one line per request, success or failure.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class RequestLogTest {

    static final String ACCESS = "io.fooweb.access";
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final Pattern GENERATED_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    Http http = env.http();

    @BeforeEach
    void backendServing() {
        env.awaitBackendServing();
    }

    /** This process's backend id, as its replies carry it: host:pid. */
    static String thisBackend() throws Exception {
        return InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid();
    }

    private HttpResponse<String> post(String filename, String... headers) {
        return http.send(http.request("/req", headers).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("filename=" + java.net.URLEncoder.encode(filename, StandardCharsets.UTF_8)))
                .build());
    }

    /** The one request-log line of the request with this id (written by log4j's background thread, within ~1 ms). */
    private static String accessLine(String id) {
        List<String> lines = log.awaitLines(ACCESS, "id=" + id + " ");
        assertEquals(1, lines.size(), "one request-log line for " + id + ": " + lines);
        return lines.get(0);
    }

    @Test
    void successNamesItsBackendEchoesTheRequestIdAndLogsOneLine() throws Exception {
        Path file = env.file("logged.txt", "twelve bytes".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = post(file.toString(), "X-Request-Id", "client-Id_1.2", "traceparent", TRACEPARENT,
                "Fooweb-Backend", "forged:1");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(thisBackend(), response.headers().firstValue("Fooweb-Backend").orElse(""));
        assertEquals(List.of(thisBackend()), response.headers().allValues("Fooweb-Backend"));
        assertEquals("client-Id_1.2", response.headers().firstValue("X-Request-Id").orElse(""));
        String line = accessLine("client-Id_1.2");
        assertTrue(line.startsWith(ACCESS + " id=client-Id_1.2 filename=\"" + file + "\" status=200 duration_ms="), line);
        assertTrue(Pattern.compile(" duration_ms=\\d+ ").matcher(line).find(), line);
        assertTrue(line.contains(" backend=" + thisBackend() + " "), line);
        assertTrue(line.contains(" bytes=" + response.body().getBytes(StandardCharsets.UTF_8).length), line);
        assertTrue(line.endsWith(" traceparent=" + TRACEPARENT), line);
    }

    @Test
    void aFailureTheBackendReportsNamesItsBackendToo() throws Exception {
        String missing = env.directory().resolve("no-such-file").toString();

        HttpResponse<String> response = post(missing, "X-Request-Id", "missing-1", "traceparent", TRACEPARENT);

        assertEquals(404, response.statusCode(), response.body());
        assertEquals(thisBackend(), response.headers().firstValue("Fooweb-Backend").orElse(""));
        assertEquals("missing-1", response.headers().firstValue("X-Request-Id").orElse(""));
        // one line, with the status, the cause and the trace; the old WARN line on io.fooweb.web is not written too
        String line = accessLine("missing-1");
        assertTrue(line.contains(" status=404 duration_ms="), line);
        assertTrue(line.contains(" backend=" + thisBackend() + " "), line);
        assertTrue(line.contains(" bytes=" + response.body().getBytes(StandardCharsets.UTF_8).length + " "), line);
        assertTrue(line.contains(" traceparent=" + TRACEPARENT + " error=not_found cause=\"io.fooweb.wire.FoowebException: "), line);
        assertEquals(List.of(), log.lines("io.fooweb.web", missing));
        // the backend's line for the same request carries the id and the trace
        List<String> backendLines = log.lines("io.fooweb.backend", "id=missing-1 ");
        assertEquals(1, backendLines.size(), backendLines.toString());
        assertTrue(backendLines.get(0).contains(missing) && backendLines.get(0).contains("traceparent=" + TRACEPARENT),
                backendLines.get(0));
    }

    @Test
    void requestsTheWebRefusesItselfAreLoggedWithoutABackend() {
        HttpResponse<String> badName = post("", "X-Request-Id", "empty-name");
        HttpResponse<String> wrongMethod = http.send("GET", "/req", "X-Request-Id", "wrong-method");

        assertEquals(400, badName.statusCode());
        assertEquals(405, wrongMethod.statusCode());
        for (HttpResponse<String> response : List.of(badName, wrongMethod)) {
            assertTrue(response.headers().firstValue("Fooweb-Backend").isEmpty(), response.headers().toString());
        }
        assertEquals("wrong-method", wrongMethod.headers().firstValue("X-Request-Id").orElse(""));
        assertTrue(accessLine("empty-name").contains(" status=400 duration_ms="), accessLine("empty-name"));
        assertTrue(accessLine("empty-name").contains(" backend=- "), accessLine("empty-name"));
        assertTrue(accessLine("wrong-method").contains(" status=405 "), accessLine("wrong-method"));
    }

    @Test
    void bodiesVertxRefusesGetTheirRequestLineAndNoRouterError() {
        HttpResponse<String> tooLarge = post("/" + "a".repeat(70 * 1024), "X-Request-Id", "too-large");
        HttpResponse<String> fieldTooLong = post("/" + "a".repeat(10 * 1024), "X-Request-Id", "field-too-long");

        assertEquals(413, tooLarge.statusCode());
        assertEquals(400, fieldTooLong.statusCode());
        assertEquals("too-large", tooLarge.headers().firstValue("X-Request-Id").orElse(""));
        assertTrue(accessLine("too-large").contains(" status=413 "), accessLine("too-large"));
        assertTrue(accessLine("too-large").contains(" filename=- ") && accessLine("too-large").contains(" error=body_too_large "),
                accessLine("too-large"));
        assertTrue(accessLine("field-too-long").contains(" status=400 ") && accessLine("field-too-long").contains(" error=invalid_form "),
                accessLine("field-too-long"));
        // Vert.x's own answer to these was a bare text with an ERROR line and no cause
        assertEquals(List.of(), log.lines("io.vertx.ext.web.RoutingContext", ""));
    }

    @Test
    void aMissingOrInvalidRequestIdIsReplacedByAGeneratedOne() {
        List<String> sent = List.of("", "has space", "slash/inside", "x".repeat(65), "quote\"d");
        java.util.Set<String> generated = new java.util.HashSet<>();
        for (String bad : sent) {
            HttpResponse<String> response = bad.isEmpty() ? post("hello.txt") : post("hello.txt", "X-Request-Id", bad);
            assertEquals(200, response.statusCode());
            String id = response.headers().firstValue("X-Request-Id").orElse("");
            assertTrue(GENERATED_ID.matcher(id).matches(), "generated id: " + id);
            assertNotEquals(bad, id);
            accessLine(id);
            generated.add(id);
        }
        assertEquals(sent.size(), generated.size(), "every request gets its own id: " + generated);
        // the longest id still accepted
        assertEquals("y".repeat(64), post("hello.txt", "X-Request-Id", "y".repeat(64)).headers().firstValue("X-Request-Id").orElse(""));
    }

    @Test
    void aFilenameCannotAddALineOrAFieldToTheLog() {
        HttpResponse<String> response = post("nope\nid=forged status=200 \"x\\", "X-Request-Id", "injection");

        assertEquals(404, response.statusCode());
        assertTrue(accessLine("injection").contains(" filename=\"nope\\nid=forged status=200 \\\"x\\\\\" status=404 "),
                accessLine("injection"));
        assertTrue(log.lines(ACCESS, "").stream().noneMatch(line -> line.contains("\n") || line.startsWith(ACCESS + " id=forged")));
    }

    @Test
    void theApiTokenIsOffByDefault() {
        assertEquals(200, post("hello.txt").statusCode());
        assertEquals(200, post("hello.txt", "Authorization", "Bearer anything").statusCode());
    }
}
