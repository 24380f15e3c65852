package io.fooweb;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.fooweb.patch.camelmain.ThreadSafeDevConsoleRegistry;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.console.DevConsoleRegistry;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both roles in one process (the default), over real HTTP and a real nats-server. */
@CamelMainTest(mainClass = FoowebMain.class)
class WebAndBackendTest {

    /* Room for a full 1 MiB of content plus the status line our backend puts in front of it for our web. */
    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment(2 * 1024 * 1024);

    Http http = env.http();

    @BeanInject
    CamelContext camelContext;

    @BeforeEach
    void backendServing() {
        env.awaitBackendServing();
    }

    @Test
    void withoutFilenameServesEtcHostnameAsJson() throws Exception {
        HttpResponse<String> response = http.postEncodedForm("");

        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Map.of("file_contents", Files.readString(Path.of("/etc/hostname"))), Http.json(response));
    }

    @Test
    void camelsDevConsolesAreKeptInTheThreadSafeRegistry() {
        // wired in routes/nats.camel.yaml; Camel's own fails a start now and then (ThreadSafeDevConsoleRegistryTest)
        assertTrue(DevConsoleRegistry.get(camelContext) instanceof ThreadSafeDevConsoleRegistry, String.valueOf(DevConsoleRegistry.get(camelContext)));
    }

    @Test
    void noEventsAreCreatedPerExchange() {
        // our lifecycle notifiers ignore exchange events (GracefulShutdown, FoowebMetrics); one that did not would
        // make Camel create several events for every request
        assertFalse(camelContext.getCamelContextExtension().isEventNotificationApplicable());
    }

    /** Traces are off by default: no exporter, no thread of OpenTelemetry's, while requests are served. */
    @Test
    void withTracesOffNoExporterThreadExists() {
        assertEquals(200, http.postForm("/etc/hostname").statusCode());

        List<String> threads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.contains("BatchSpanProcessor") || name.contains("opentelemetry"))
                .toList();
        assertEquals(List.of(), threads);
    }

    @Test
    void formFieldNamesTheFile() {
        Path file = env.file("form.txt", "read through a form\n".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = http.postForm(file.toString());

        assertEquals(200, response.statusCode());
        assertEquals("read through a form\n", Http.json(response).get("file_contents"));
    }

    /** Form fields are percent-encoded UTF-8; a charset parameter on the form's Content-Type does not change the name. */
    @Test
    void nonAsciiFilenameIsSentAsUtf8WhateverCharsetTheFormDeclares() {
        Path file = env.file("café.txt", "named in UTF-8\n".getBytes(StandardCharsets.UTF_8));
        String form = "filename=" + java.net.URLEncoder.encode(file.toString(), StandardCharsets.UTF_8);

        for (String contentType : new String[] {"application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=ISO-8859-1"}) {
            HttpResponse<String> response = http.send(http.request("/req").header("Content-Type", contentType)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build());

            assertEquals(200, response.statusCode(), contentType + ": " + response.body());
            assertEquals("named in UTF-8\n", Http.json(response).get("file_contents"));
        }
    }

    @Test
    void jsonBodyNamesTheFile() {
        Path file = env.file("json.txt", "read through JSON ✓\n".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = http.postJson("{\"filename\": \"" + file + "\"}");

        assertEquals(200, response.statusCode());
        assertEquals("read through JSON ✓\n", Http.json(response).get("file_contents"));
    }

    /** Server-Timing on answers and failures: each part within the next (backend within NATS within total). */
    @Test
    void serverTimingSaysWhereTheTimeWent() {
        Path file = env.file("timed.txt", "timed\n".getBytes(StandardCharsets.UTF_8));
        for (String name : new String[] {file.toString(), file + ".missing"}) {
            HttpResponse<String> response = http.postForm(name);
            Map<String, Double> timing = serverTiming(response);

            assertEquals(java.util.Set.of("backend", "nats", "total"), timing.keySet(), response.statusCode() + " " + timing);
            assertTrue(0 <= timing.get("backend") && timing.get("backend") <= timing.get("nats")
                    && timing.get("nats") <= timing.get("total"), timing.toString());
        }

        HttpResponse<String> refused = http.postForm("");
        assertEquals(400, refused.statusCode());
        assertEquals(java.util.Set.of("total"), serverTiming(refused).keySet());
    }

    private static Map<String, Double> serverTiming(HttpResponse<String> response) {
        Map<String, Double> timing = new java.util.HashMap<>();
        for (String metric : response.headers().firstValue("Server-Timing").orElse("").split(",")) {
            String[] parts = metric.trim().split(";dur=");
            if (parts.length == 2) {
                timing.put(parts[0], Double.parseDouble(parts[1]));
            }
        }
        return timing;
    }

    /** As the original's Gin reads it: {@code curl -F filename=/path} is a multipart form. */
    @Test
    void multipartFormFieldNamesTheFile() {
        Path file = env.file("multipart.txt", "read through a multipart form\n".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = http.send(multipart("filename", null, file.toString()));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("read through a multipart form\n", Http.json(response).get("file_contents"));
    }

    @Test
    void multipartFormWithoutTheFieldServesTheDefault() throws Exception {
        HttpResponse<String> response = http.send(multipart("other", null, "x"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Files.readString(Path.of("/etc/hostname")), Http.json(response).get("file_contents"));
    }

    /** {@code curl -F filename=@/path} uploads the file: a mistake fooweb names rather than serving the default. */
    @Test
    void aFileUploadIsRefused() {
        HttpResponse<String> response = http.send(multipart("filename", "hostname", "the file's content"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("invalid_form", Http.json(response).get("error"));
    }

    /** {@code curl -d '{"filename": ...}'} sends JSON as a url-encoded form: no silent default. */
    @Test
    void jsonSentAsAFormIsRefused() {
        HttpResponse<String> response = http.postEncodedForm("{\"filename\": \"/etc/hostname\"}");

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("invalid_form", Http.json(response).get("error"));
    }

    @Test
    void aBodyOfAnotherTypeIsRefused() {
        for (String contentType : new String[] {"text/plain", null}) {
            java.net.http.HttpRequest.Builder request = http.request("/req")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("/etc/hostname"));
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }

            HttpResponse<String> response = http.send(request.build());

            assertEquals(415, response.statusCode(), contentType + ": " + response.body());
            assertEquals("unsupported_media_type", Http.json(response).get("error"));
        }
    }

    private java.net.http.HttpRequest multipart(String field, String uploadedFilename, String value) {
        String boundary = "fooweb-test-boundary";
        String disposition = "form-data; name=\"" + field + "\"" + (uploadedFilename == null ? "" : "; filename=\"" + uploadedFilename + "\"");
        String body = "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n"
                + (uploadedFilename == null ? "" : "Content-Type: application/octet-stream\r\n") + "\r\n"
                + value + "\r\n--" + boundary + "--\r\n";
        return http.request("/req").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void relativeNamesResolveAgainstTheFirstRootDirectory() throws Exception {
        HttpResponse<String> response = http.postForm("hello.txt");

        assertEquals(200, response.statusCode());
        assertEquals(Files.readString(Path.of("data", "hello.txt")), Http.json(response).get("file_contents"));
    }

    @Test
    void procFilesThatReportSizeZeroAreReadWhole() {
        HttpResponse<String> response = http.postForm("/proc/self/status");

        assertEquals(200, response.statusCode());
        String status = (String) Http.json(response).get("file_contents");
        assertTrue(status.contains("\nPid:\t" + ProcessHandle.current().pid() + "\n"), status);
    }

    @Test
    void largerFileIsTruncatedToExactlyOneMebibyte() {
        byte[] content = new byte[1024 * 1024 + 1];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        Path file = env.file("large.txt", content);

        HttpResponse<String> json = http.postForm(file.toString());
        HttpResponse<byte[]> raw = http.postForBytes(file.toString());

        assertEquals(200, json.statusCode());
        Map<String, Object> body = Http.json(json);
        assertTrue(new String(content, 0, 1_048_576, StandardCharsets.US_ASCII).equals(body.get("file_contents")),
                "file_contents must be the first 1,048,576 bytes");
        assertEquals(true, body.get("truncated"));
        assertEquals(content.length, ((Number) body.get("size")).intValue());
        assertEquals(200, raw.statusCode());
        assertEquals(1_048_576, raw.body().length);
        assertTrue(java.util.Arrays.equals(content, 0, 1_048_576, raw.body(), 0, 1_048_576), "the first 1,048,576 bytes");
        assertEquals("true", raw.headers().firstValue("Fooweb-Truncated").orElse(""));
    }

    @Test
    void fileOfExactlyTheLimitIsNotTruncated() {
        byte[] content = new byte[1_048_576];
        java.util.Arrays.fill(content, (byte) 'x');
        Path file = env.file("exact.txt", content);

        HttpResponse<byte[]> raw = http.postForBytes(file.toString());

        assertEquals(200, raw.statusCode());
        assertEquals(content.length, raw.body().length);
        assertTrue(java.util.Arrays.equals(content, raw.body()), "the whole file");
        assertEquals("false", raw.headers().firstValue("Fooweb-Truncated").orElse(""));
        assertFalse(Http.json(http.postForm(file.toString())).containsKey("truncated"));
    }

    @Test
    void statsCountEverySuccessExactlyUnderConcurrency() throws Exception {
        long before = http.reqCounter();
        int requests = 400;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                calls.add(() -> http.postForm("/etc/hostname").statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> result : pool.invokeAll(calls)) {
                statuses.add(result.get());
            }
            assertEquals(List.of(200), statuses.stream().distinct().toList());
        } finally {
            pool.shutdownNow();
        }
        // a refused request is not a success and must not count
        assertEquals(403, http.postForm("/etc/passwd").statusCode());

        assertEquals(before + requests, http.reqCounter());
    }
}
