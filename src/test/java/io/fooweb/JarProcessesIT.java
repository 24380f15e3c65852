package io.fooweb;

import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.fooweb.fixture.FoowebProcess;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsMicro;
import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.Pom;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The packaged jar as separate OS processes: one web and two backends on one nats-server, the original's plain
 * wire format in both directions, and the backends' NATS service API.
 */
class JarProcessesIT {

    static NatsServer nats;
    static FoowebProcess web;
    static FoowebProcess backendA;
    static FoowebProcess backendB;
    static Connection client;

    @BeforeAll
    static void startDeployment() throws Exception {
        nats = NatsServer.launch();
        backendA = FoowebProcess.start("backend", nats.url());
        backendB = FoowebProcess.start("backend", nats.url());
        web = FoowebProcess.start("web", nats.url());
        client = Nats.connect(nats.url());
        await("backends subscribed").atMost(Duration.ofSeconds(10))
                .until(() -> web.http().postForm("/etc/hostname").statusCode() == 200);
    }

    @AfterAll
    static void stopDeployment() throws Exception {
        client.close();
        web.stop();
        backendA.stop();
        backendB.stop();
        nats.stop();
    }

    @Test
    void requestsReachBothBackendsOfTheQueueGroup() {
        Set<Long> answeredBy = new HashSet<>();
        Http http = web.http();
        Pattern pid = Pattern.compile("\nPid:\t(\\d+)\n");
        for (int i = 0; i < 200 && answeredBy.size() < 2; i++) {
            HttpResponse<String> response = http.postForm("/proc/self/status");
            assertEquals(200, response.statusCode(), response.body());
            Matcher matcher = pid.matcher((String) Http.json(response).get("file_contents"));
            if (matcher.find()) {
                answeredBy.add(Long.parseLong(matcher.group(1)));
            }
        }
        assertEquals(Set.of(backendA.pid(), backendB.pid()), answeredBy);
    }

    @Test
    void everyBackendProcessIsAnInstanceOfTheFoowebServiceAndTheWebIsNone() throws Exception {
        NatsMicro micro = new NatsMicro(client);
        String host = InetAddress.getLocalHost().getHostName();
        await("backends registered").atMost(Duration.ofSeconds(10)).until(() -> micro.gather("$SRV.PING.fooweb").size() == 2);

        List<JsonNode> answers = micro.gather("$SRV.INFO.fooweb");

        assertEquals(2, NatsMicro.ids(answers).size(), answers.toString());
        assertEquals(Set.of(host + ":" + backendA.pid(), host + ":" + backendB.pid()),
                answers.stream().map(info -> info.get("metadata").get("backend").asText()).collect(Collectors.toSet()));
        for (JsonNode info : answers) {
            assertEquals(Pom.version(), info.get("version").asText(), "the packaged jar's version: " + info);
        }
        assertEquals(NatsMicro.ids(answers), NatsMicro.ids(micro.gather("$SRV.PING")), "no other process answers");
    }

    @Test
    void plainNatsRequestGetsTheRawFileBytes() throws Exception {
        Message reply = client.request("fooweb_req", "/etc/hostname".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));

        assertArrayEquals(Files.readAllBytes(Path.of("/etc/hostname")), reply.getData());
    }

    @Test
    void plainNatsRequestForAForbiddenFileGetsAnEmptyReply() throws Exception {
        Message reply = client.request("fooweb_req", "/etc/passwd".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));

        assertEquals(0, reply.getData().length);
    }

    @Test
    void ourWebServesTheRawReplyOfAPlainResponder() throws Exception {
        // a responder that speaks only the original wire format, like the Go backend
        Dispatcher plainBackend = client.createDispatcher(message -> client.publish(message.getReplyTo(),
                ("plain reply for " + new String(message.getData(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        plainBackend.subscribe("plain_req");
        client.flush(Duration.ofSeconds(2));
        try (FoowebProcess plainWeb = FoowebProcess.start("web", nats.url(), Map.of("FOOWEB_NATS_SUBJECT", "plain_req"))) {
            HttpResponse<String> response = plainWeb.http().postForm("/some/file");

            assertEquals(200, response.statusCode(), response.body());
            assertEquals(Map.of("file_contents", "plain reply for /some/file"), Http.json(response));
        } finally {
            client.closeDispatcher(plainBackend);
        }
    }

    @Test
    void unreadableFileIs403ForAnUnprivilegedBackend() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to start a backend as another user; FailureAnswersTest covers this when not root");
        Path dir = Files.createDirectories(Path.of("target", "unprivileged").toAbsolutePath());
        Path secret = Files.writeString(dir.resolve("secret.txt"), "only root may read this");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> settings = Map.of("FOOWEB_NATS_SUBJECT", "unprivileged_req", "FOOWEB_BACKEND_ROOTS", dir.toString());
        try (FoowebProcess backend = FoowebProcess.startAs("nobody", "backend", nats.url(), settings);
             FoowebProcess unprivilegedWeb = FoowebProcess.start("web", nats.url(), settings)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> unprivilegedWeb.http().postForm(secret.toString()).statusCode() != 503);
            HttpResponse<String> response = unprivilegedWeb.http().postForm(secret.toString());

            assertEquals(403, response.statusCode(), response.body());
            assertEquals("permission_denied", Http.json(response).get("error"));
        }
    }

    @Test
    void aWebOfAnotherUserServesFormsWhereTheFirstUserLeftVertxUploadDirectory() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to start a web as another user");
        // what a web run by root leaves behind with Camel's default upload directory: /tmp/camel, root's, 755
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "camel"));
        try (FoowebProcess web = FoowebProcess.startAs("nobody", "web", nats.url(), Map.of())) {
            HttpResponse<String> response = web.http().postForm("/etc/hostname");

            assertEquals(200, response.statusCode(), response.body());
            assertEquals(Files.readString(Path.of("/etc/hostname")), Http.json(response).get("file_contents"));
        }
    }

    @Test
    void backendRoleOpensNoHttpPortAndWebRoleServesNoRequests() throws Exception {
        assertFalse(FreePort.accepts(backendA.httpPort()), "a backend must not listen on its PORT");
        try (FoowebProcess lonelyWeb = FoowebProcess.start("web", nats.url(), Map.of("FOOWEB_NATS_SUBJECT", "nobody_serves_this"))) {
            HttpResponse<String> response = lonelyWeb.http().postForm("/etc/hostname");

            assertEquals(503, response.statusCode(), response.body());
            assertEquals("no_backend", Http.json(response).get("error"));
        }
    }
}
