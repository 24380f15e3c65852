package io.fooweb;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fooweb.fixture.FoowebProcess;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The shipped least-privilege configuration, deploy/nats-server.conf, used as it is (the fixture's -p flag picks the
 * port): a web and a backend as separate processes, each with its own user given in environment variables, serve
 * requests; and what each user must not do, nats-server refuses.
 */
class LeastPrivilegeIT {

    static final String WEB_PASSWORD = "web-Pa55word-for-tests";
    static final String BACKEND_PASSWORD = "backend-Pa55word-for-tests";

    static NatsServer nats;
    static FoowebProcess backend;
    static FoowebProcess web;

    @BeforeAll
    static void startDeployment() throws Exception {
        nats = NatsServer.launchWithConfig(Files.readString(Path.of("deploy", "nats-server.conf")),
                Map.of("NATS_WEB_PASSWORD", WEB_PASSWORD, "NATS_BACKEND_PASSWORD", BACKEND_PASSWORD));
        backend = FoowebProcess.start("backend", nats.url(), Map.of("FOOWEB_NATS_USER", "backend", "FOOWEB_NATS_PASSWORD", BACKEND_PASSWORD));
        web = FoowebProcess.start("web", nats.url(), Map.of("FOOWEB_NATS_USER", "web", "FOOWEB_NATS_PASSWORD", WEB_PASSWORD));
        await("backend serving").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> web.http().postForm("/etc/hostname").statusCode() == 200);
    }

    @AfterAll
    static void stopDeployment() {
        web.stop();
        backend.stop();
        nats.stop();
    }

    @Test
    void webAndBackendServeAFileUnderTheirOwnUsers() throws Exception {
        HttpResponse<String> response = web.http().postForm("hello.txt");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Files.readString(Path.of("data", "hello.txt")), Http.json(response).get("file_contents"));
        // the backend's service-discovery subscriptions ($SRV.*) are allowed too
        assertFalse(backend.logText().contains("Permissions Violation"), backend.logText());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theWebSteersRequestsToTheBackendsOwnSubjectUnderTheirUsers() {
        // heard the backend's heartbeat on fooweb_backends, then sent to fooweb_req.<id>, which the backend serves
        await("the web knows the backend").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> ((Number) backends().get("live")).intValue() == 1);
        long sentBefore = steeredSends();

        assertEquals(200, web.http().postForm("hello.txt").statusCode());

        assertEquals(sentBefore + 1, steeredSends(), backends().toString());
        assertFalse(web.logText().contains("Permissions Violation"), web.logText());
        assertFalse(backend.logText().contains("Permissions Violation"), backend.logText());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> backends() {
        return (Map<String, Object>) Http.json(web.http().get("/stats")).get("backends");
    }

    @SuppressWarnings("unchecked")
    private static long steeredSends() {
        return ((List<Map<String, Object>>) backends().get("known")).stream()
                .mapToLong(known -> ((Number) known.get("sends")).longValue()).sum();
    }

    @Test
    void theBackendUserCannotSendToABackendsOwnSubject() throws Exception {
        try (Client backendUser = new Client("backend", BACKEND_PASSWORD)) {
            backendUser.connection.publish("fooweb_req.someone", "/etc/hostname".getBytes(StandardCharsets.UTF_8));
            backendUser.awaitViolation("Permissions Violation for Publish to \"fooweb_req.someone\"");
        }
    }

    @Test
    void theWebGathersTheClusterFiguresUnderItsUser() {
        HttpResponse<String> response = web.http().get("/stats?scope=cluster");

        assertEquals(200, response.statusCode(), response.body());
        @SuppressWarnings("unchecked")
        Map<String, Object> cluster = (Map<String, Object>) Http.json(response).get("cluster");
        assertEquals(true, cluster.get("available"), response.body());
        // the web asked and answered fooweb.stats.web, and asked $SRV.STATS.fooweb, which the backend answered
        assertEquals(1, ((List<?>) cluster.get("webs")).size(), response.body());
        assertEquals(1, ((List<?>) cluster.get("backends")).size(), response.body());
        assertFalse(web.logText().contains("Permissions Violation"), web.logText());
        assertFalse(backend.logText().contains("Permissions Violation"), backend.logText());
    }

    @Test
    void theBackendUserCannotSendRequests() throws Exception {
        try (Client backendUser = new Client("backend", BACKEND_PASSWORD)) {
            backendUser.connection.publish("fooweb_req", "/etc/hostname".getBytes(StandardCharsets.UTF_8));
            backendUser.awaitViolation("Permissions Violation for Publish to \"fooweb_req\"");
        }
    }

    @Test
    void theBackendUserServesOnlyInTheQueueGroup() throws Exception {
        try (Client backendUser = new Client("backend", BACKEND_PASSWORD)) {
            backendUser.connection.subscribe("fooweb_req");
            backendUser.awaitViolation("Permissions Violation for Subscription to \"fooweb_req\"");
        }
    }

    @Test
    void theWebUserCannotServeRequests() throws Exception {
        try (Client webUser = new Client("web", WEB_PASSWORD)) {
            webUser.connection.subscribe("fooweb_req", "fooweb_queue");
            webUser.awaitViolation("Permissions Violation for Subscription to \"fooweb_req\" using queue \"fooweb_queue\"");
        }
    }

    @Test
    void thePasswordsNeverReachTheLogs() {
        for (FoowebProcess process : List.of(web, backend)) {
            assertFalse(process.logText().contains(WEB_PASSWORD) || process.logText().contains(BACKEND_PASSWORD));
        }
    }

    /** A plain jnats client as one of the users, collecting the errors nats-server sends it. */
    static final class Client implements AutoCloseable {

        final List<String> errors = new CopyOnWriteArrayList<>();
        final Connection connection;

        Client(String user, String password) throws Exception {
            ErrorListener collect = new ErrorListener() {
                @Override
                public void errorOccurred(Connection conn, String error) {
                    errors.add(error);
                }
            };
            connection = Nats.connect(new Options.Builder().server(nats.url()).userInfo(user.toCharArray(), password.toCharArray())
                    .errorListener(collect).build());
        }

        void awaitViolation(String error) {
            await(error).atMost(Duration.ofSeconds(5)).until(() -> errors.stream().anyMatch(e -> e.contains(error)));
        }

        @Override
        public void close() throws InterruptedException {
            connection.close();
        }
    }
}
