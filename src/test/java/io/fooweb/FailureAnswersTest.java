package io.fooweb;

import io.fooweb.backend.ConfinedFileReader;
import io.fooweb.web.RequestCounter;
import io.fooweb.wire.FoowebException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.ReplaceInRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every failure a request can meet in one process with both roles: a JSON error with a fitting status, and the
 * service still answers afterwards. NATS-side failures (no backend, timeout, NATS down) are in NatsFailuresTest.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class FailureAnswersTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment().withExtraRoots("/dev/zero");

    Http http = env.http();

    static final java.util.concurrent.atomic.AtomicBoolean failNextStats = new java.util.concurrent.atomic.AtomicBoolean();

    /** A counter with a bug on demand, to see what an unexpected exception looks like to a client. */
    @ReplaceInRegistry
    RequestCounter requestCounter() {
        return new RequestCounter(new io.fooweb.nats.hedge.HedgeCounts(), null) {
            @Override
            public Map<String, Object> stats() {
                if (failNextStats.getAndSet(false)) {
                    throw new NullPointerException("simulated bug with a secret in its message");
                }
                return super.stats();
            }
        };
    }

    @BeforeEach
    void backendServing() {
        env.awaitBackendServing();
    }

    @AfterEach
    void stillServing() {
        assertEquals(200, http.get("/stats").statusCode());
        assertEquals(200, http.postForm("/etc/hostname").statusCode());
    }

    private static void assertError(int status, String error, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        Map<String, Object> body = Http.json(response);
        assertEquals(error, body.get("error"), response.body());
        assertTrue(body.get("message") instanceof String message && !message.isBlank(), response.body());
        assertEquals(2, body.size(), response.body());
    }

    // ---- 400: checked on the web before any NATS traffic ----

    @Test
    void emptyFilenameIs400() {
        assertError(400, "invalid_filename", http.postEncodedForm("filename="));
    }

    @Test
    void filenameOver4096BytesIs400() {
        assertError(400, "invalid_filename", http.postForm("/" + "a".repeat(5000)));
        assertError(400, "invalid_filename", http.postJson("{\"filename\": \"/" + "a".repeat(10 * 1024) + "\"}"));
        // Vert.x's form decoder refuses a field over its 8 KiB attribute limit before any route runs
        assertError(400, "invalid_form", http.postForm("/" + "a".repeat(10 * 1024)));
    }

    @Test
    void bodyOverTheLimitIs413WhateverItsType() {
        String name = "/" + "a".repeat(70 * 1024);
        assertError(413, "body_too_large", http.postForm(name));
        assertError(413, "body_too_large", http.postJson("{\"filename\": \"" + name + "\"}"));
        assertError(413, "body_too_large", http.send(http.request("/req").header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[8 * 1024 * 1024])).build()));
        assertEquals("The request body is over 65536 bytes", Http.json(http.postForm(name)).get("message"));
    }

    @Test
    void bodyJustUnderTheLimitIsRead() {
        // 65,536 bytes in all: the limit is on the body, and a body of exactly the limit is still read
        String json = "{\"filename\": \"/" + "a".repeat(65536 - 17) + "\"}";
        assertEquals(65536, json.length());
        assertError(400, "invalid_filename", http.postJson(json));
    }

    @Test
    void filenameWithNulIs400() {
        assertError(400, "invalid_filename", http.postEncodedForm("filename=%2Fetc%2Fhostname%00.txt"));
        assertError(400, "invalid_filename", http.postJson("{\"filename\": \"/etc/hostname\\u0000\"}"));
    }

    @Test
    void invalidUtf8Is400EvenThoughTheFormDecoderHidesIt() {
        assertError(400, "invalid_filename", http.postEncodedForm("filename=%2Fetc%2Fhost%FFname"));
        assertError(400, "invalid_json", http.send(http.request("/req").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[] { '{', '"', 'f', 'i', 'l', 'e', 'n', 'a',
                        'm', 'e', '"', ':', '"', (byte) 0xFF, '"', '}' })).build()));
    }

    @Test
    void malformedJsonIs400() {
        assertError(400, "invalid_json", http.postJson("{\"filename\": "));
        assertError(400, "invalid_json", http.postJson("[\"/etc/hostname\"]"));
        assertError(400, "invalid_filename", http.postJson("{\"filename\": 42}"));
    }

    // ---- 403: confined reads ----

    @Test
    void absolutePathOutsideTheRootsIs403() {
        assertError(403, "outside_roots", http.postForm("/etc/passwd"));
    }

    @Test
    void dotDotCannotClimbOutOfARoot() {
        assertError(403, "outside_roots", http.postForm("../../../../etc/passwd"));
        assertError(403, "outside_roots", http.postEncodedForm("filename=%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd"));
        assertError(403, "outside_roots", http.postForm(env.directory() + "/../../../../etc/passwd"));
    }

    @Test
    void symlinkInsideARootPointingOutsideIs403() throws IOException {
        Path link = env.directory().resolve("escape");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of("/etc/passwd"));

        assertError(403, "outside_roots", http.postForm(link.toString()));
    }

    @Test
    void directoryIs403() {
        assertError(403, "not_regular_file", http.postForm(env.directory().toString()));
    }

    @Test
    void fifoIs403WithoutBlockingTheBackend() throws Exception {
        Path fifo = env.directory().resolve("pipe");
        Files.deleteIfExists(fifo);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());

        assertError(403, "not_regular_file", http.postForm(fifo.toString()));
    }

    @Test
    void socketIs403() throws IOException {
        Path socketFile = env.directory().resolve("socket");
        Files.deleteIfExists(socketFile);
        try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(socketFile));

            assertError(403, "not_regular_file", http.postForm(socketFile.toString()));
        }
    }

    @Test
    void deviceIs403EvenWhenARootNamesIt() {
        assertError(403, "not_regular_file", http.postForm("/dev/zero"));
    }

    @Test
    void permissionDeniedIs403() throws IOException {
        Path secret = env.file("secret.txt", "top secret".getBytes(StandardCharsets.UTF_8));
        ConfinedFileReader reader = new ConfinedFileReader(env.directory().toString(), 1024);
        FoowebException refused;
        try {
            Files.setPosixFilePermissions(secret, java.util.Set.of());
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(secret),
                    "root reads any file; the jar-process test checks this as an unprivileged user");
            refused = org.junit.jupiter.api.Assertions.assertThrows(FoowebException.class, () -> reader.read(secret.toString()));
        } finally {
            Files.setPosixFilePermissions(secret, java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE));
        }
        assertEquals(403, refused.getStatus());
        assertEquals("permission_denied", refused.getCode());
    }

    // ---- 404 ----

    @Test
    void missingFileInsideARootIs404() {
        assertError(404, "not_found", http.postForm(env.directory().resolve("no-such-file").toString()));
    }

    @Test
    void requestValuesAreNeverPartOfAnEndpointUri() {
        // were the name spliced into a URI, "&delete=true" would become an endpoint option
        assertError(404, "not_found", http.postForm("x&delete=true"));
        assertError(404, "not_found", http.postForm("x?fileName=/etc/passwd"));
    }

    // ---- HTTP-level errors ----

    @Test
    void wrongMethodIs405WithAllow() {
        HttpResponse<String> getReq = http.get("/req");
        assertError(405, "method_not_allowed", getReq);
        assertEquals("POST", getReq.headers().firstValue("Allow").orElse(""));

        HttpResponse<String> deleteStats = http.send("DELETE", "/stats");
        assertError(405, "method_not_allowed", deleteStats);
        assertEquals("GET", deleteStats.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void unknownPathIsJson404() {
        assertError(404, "not_found", http.get("/nope"));
        assertError(404, "not_found", http.send("POST", "/req/extra"));
    }

    @Test
    void unexpectedBugIs500WithTheStackTraceOnlyInTheLog() {
        failNextStats.set(true);
        HttpResponse<String> response = http.get("/stats");

        assertError(500, "internal_error", response);
        assertFalse(response.body().contains("NullPointerException") || response.body().contains("secret"), response.body());
    }

    // ---- headers steer nothing ----

    @Test
    void requestHeadersAreNotEchoed() {
        HttpResponse<String> ok = http.send(http.request("/req", "X-Echo-Me", "1", "Fooweb-Truncated", "forged")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=hello.txt")).build());
        HttpResponse<String> failed = http.send(http.request("/req", "X-Echo-Me", "1")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=/etc/passwd")).build());

        assertEquals(200, ok.statusCode());
        assertEquals(403, failed.statusCode());
        for (HttpResponse<String> response : java.util.List.of(ok, failed)) {
            assertTrue(response.headers().firstValue("X-Echo-Me").isEmpty(), response.headers().toString());
        }
        assertTrue(ok.headers().firstValue("Fooweb-Truncated").isEmpty(), ok.headers().toString());
    }

    @Test
    void camelHeadersOnANatsRequestChangeNothing() throws Exception {
        try (Connection client = Nats.connect(env.nats().url())) {
            byte[] plain = client.request("fooweb_req", "hello.txt".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2)).getData();
            Headers hostile = new Headers()
                    .add("CamelFileName", "/etc/shadow")
                    .add("camelbeanmethodname", "toString")
                    .add("CamelHttpResponseCode", "500")
                    .add("CamelNatsReplyTo", "elsewhere");
            Message reply = client.request(NatsMessage.builder().subject("fooweb_req").headers(hostile)
                    .data("hello.txt".getBytes(StandardCharsets.UTF_8)).build(), Duration.ofSeconds(2));

            assertArrayEquals(Files.readAllBytes(Path.of("data", "hello.txt")), plain);
            assertArrayEquals(plain, reply.getData());
        }
    }

    // ---- content ----

    @Test
    void binaryContentIsReplacedInJsonAndExactAsOctetStream() {
        byte[] binary = { 'o', 'k', (byte) 0xFF, (byte) 0xFE, 0, 'x' };
        Path file = env.file("binary.bin", binary);

        HttpResponse<String> json = http.postForm(file.toString());
        HttpResponse<byte[]> raw = http.postForBytes(file.toString());

        assertEquals("ok\uFFFD\uFFFD\u0000x", Http.json(json).get("file_contents"));
        assertEquals(200, raw.statusCode());
        assertEquals("application/octet-stream", raw.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(binary, raw.body());
    }

    @Test
    void aFileOverTheServersMaxPayloadIsServedToItsLastByteAndMarkedCut() throws Exception {
        // this server has the stock max_payload of 1 MiB: the reply is the first 1 MiB, plain, with no room for our
        // status line, as the original serves it; the web tells the client the file was cut (its size is unknown)
        byte[] content = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(content, (byte) 'y');
        Path file = env.file("over-limit.txt", content);

        HttpResponse<String> response = http.postForm(file.toString());
        byte[] plain;
        try (Connection client = Nats.connect(env.nats().url())) {
            assertEquals(1024 * 1024, client.getServerInfo().getMaxPayload());
            plain = client.request("fooweb_req", file.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2)).getData();
        }

        assertEquals(1024 * 1024, plain.length);
        assertEquals(200, response.statusCode());
        Map<String, Object> body = Http.json(response);
        assertEquals(1024 * 1024, ((String) body.get("file_contents")).length());
        assertEquals(true, body.get("truncated"));
        assertFalse(body.containsKey("size"), body.keySet().toString());
    }

    @Test
    void aFileJustUnderTheServersMaxPayloadArrivesWhole() throws Exception {
        // too long for the status line and the content together, short enough to go plain and whole
        byte[] content = new byte[1024 * 1024 - 10];
        java.util.Arrays.fill(content, (byte) 'z');
        Path file = env.file("just-under.txt", content);

        HttpResponse<String> response = http.postForm(file.toString());

        assertEquals(200, response.statusCode());
        Map<String, Object> body = Http.json(response);
        assertEquals(content.length, ((String) body.get("file_contents")).length());
        assertFalse(body.containsKey("truncated"), body.keySet().toString());
    }

    @Test
    void errorsKeepTheirStatusForOctetStreamClients() {
        HttpResponse<String> response = http.send(http.request("/req", "Accept", "application/octet-stream")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("filename=/etc/passwd")).build());

        assertError(403, "outside_roots", response);
    }
}
