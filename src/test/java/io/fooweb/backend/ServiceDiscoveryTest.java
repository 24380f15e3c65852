package io.fooweb.backend;

import io.fooweb.fixture.AnotherFooweb;
import io.fooweb.FoowebMain;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsMicro;
import io.fooweb.fixture.Pom;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import org.apache.camel.main.Main;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.fooweb.fixture.NatsMicro.ids;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NATS service API (ADR-32) of the backends, asked the way {@code nats micro ls|info|stats} asks ({@link NatsMicro}:
 * a plain jnats client collecting every answer within a short deadline). Both roles run in this process; further
 * backends and a web start as more Camel Mains. JarProcessesIT asks separate backend processes.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class ServiceDiscoveryTest {

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> VERBS = List.of("PING", "INFO", "STATS");
    // the io.nats.micro.v1 schemas' patterns
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");
    private static final Pattern SEMVER = Pattern.compile("^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    Http http = env.http();
    Connection client;
    String id;

    @BeforeEach
    void discoverable() throws Exception {
        env.awaitBackendServing();
        client = Nats.connect(env.nats().url());
        await("service registered").atMost(Duration.ofSeconds(10)).until(() -> gather("$SRV.PING.fooweb").size() == 1);
        id = gather("$SRV.PING.fooweb").get(0).get("id").asText();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    List<JsonNode> gather(String subject) {
        return new NatsMicro(client).gather(subject);
    }

    /** The answer of this process's backend, asked on its own instance subject. */
    JsonNode ask(String verb) throws Exception {
        List<JsonNode> answers = gather("$SRV." + verb + ".fooweb." + id);
        assertEquals(1, answers.size(), answers.toString());
        return answers.get(0);
    }

    @Test
    void pingInfoAndStatsAnswerOnAllThreeSubjects() throws Exception {
        String version = Pom.version();
        for (String verb : VERBS) {
            for (String subject : List.of("$SRV." + verb, "$SRV." + verb + ".fooweb", "$SRV." + verb + ".fooweb." + id)) {
                List<JsonNode> answers = gather(subject);

                assertEquals(1, answers.size(), subject + ": " + answers);
                JsonNode answer = answers.get(0);
                assertEquals("io.nats.micro.v1." + verb.toLowerCase() + "_response", answer.get("type").asText(), subject);
                assertEquals("fooweb", answer.get("name").asText(), subject);
                assertEquals(id, answer.get("id").asText(), subject);
                assertEquals(version, answer.get("version").asText(), subject);
            }
        }
    }

    @Test
    void otherServicesAndInstancesAreNotAnswered() throws Exception {
        for (String verb : VERBS) {
            assertEquals(List.of(), gather("$SRV." + verb + ".other"));
            assertEquals(List.of(), gather("$SRV." + verb + ".fooweb.NOT" + id));
        }
    }

    @Test
    void answersHaveEveryFieldTheSchemasRequire() throws Exception {
        JsonNode ping = ask("PING");
        JsonNode info = ask("INFO");
        JsonNode stats = ask("STATS");

        for (JsonNode answer : List.of(ping, info, stats)) {
            assertTrue(NAME.matcher(answer.get("name").asText()).matches(), answer.toString());
            assertTrue(answer.get("id").isTextual() && !answer.get("id").asText().isEmpty(), answer.toString());
            assertTrue(SEMVER.matcher(answer.get("version").asText()).matches(), answer.toString());
            assertEquals(Map.of("backend", InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid(),
                    "workers", "4"), JSON.convertValue(answer.get("metadata"), Map.class), answer.toString());
        }

        assertTrue(info.get("description").isTextual() && !info.get("description").asText().isBlank(), info.toString());
        assertEquals(1, info.get("endpoints").size(), info.toString());
        JsonNode endpoint = info.get("endpoints").get(0);
        assertEquals("fooweb_req", endpoint.get("name").asText());
        assertEquals("fooweb_req", endpoint.get("subject").asText());
        assertEquals("fooweb_queue", endpoint.get("queue_group").asText());

        Instant started = OffsetDateTime.parse(stats.get("started").asText()).toInstant();  // RFC 3339
        assertFalse(started.isAfter(Instant.now()), stats.toString());
        assertEquals(1, stats.get("endpoints").size(), stats.toString());
        JsonNode counts = stats.get("endpoints").get(0);
        assertEquals("fooweb_req", counts.get("name").asText());
        assertEquals("fooweb_req", counts.get("subject").asText());
        assertEquals("fooweb_queue", counts.get("queue_group").asText());
        for (String integer : List.of("num_requests", "num_errors", "processing_time", "average_processing_time")) {
            assertTrue(counts.hasNonNull(integer) && counts.get(integer).isIntegralNumber(), integer + " in " + counts);
        }
        assertTrue(counts.get("last_error").isTextual(), counts.toString());
    }

    @Test
    void statsCountEveryRequestTheBackendAnswersAndEveryFailureAsAnError() throws Exception {
        JsonNode before = ask("STATS").get("endpoints").get(0);
        int successes = 5;
        for (int i = 0; i < successes; i++) {
            assertEquals(200, http.postForm(i % 2 == 0 ? "hello.txt" : "/etc/hostname").statusCode());
        }
        // refusals count like any other failure the backend reports; the last one decides last_error
        assertEquals(403, http.postForm("/etc/passwd").statusCode());
        assertEquals(404, http.postForm(env.directory().resolve("missing-1").toString()).statusCode());
        assertEquals(404, http.postForm(env.directory().resolve("missing-2").toString()).statusCode());
        int failures = 3;
        // refused by the web itself: no backend ever sees it
        assertEquals(400, http.postEncodedForm("filename=").statusCode());

        JsonNode after = ask("STATS").get("endpoints").get(0);

        assertEquals(successes + failures, after.get("num_requests").asLong() - before.get("num_requests").asLong(), after.toString());
        assertEquals(failures, after.get("num_errors").asLong() - before.get("num_errors").asLong(), after.toString());
        assertTrue(after.get("last_error").asText().startsWith("404 not_found: "), after.toString());
        long processing = after.get("processing_time").asLong();
        assertTrue(processing > before.get("processing_time").asLong(), after.toString());
        assertEquals(processing / after.get("num_requests").asLong(), after.get("average_processing_time").asLong(), after.toString());
        assertTrue(after.get("average_processing_time").asLong() > 0, after.toString());
    }

    @Test
    void plainNatsClientsAreCountedToo() throws Exception {
        JsonNode before = ask("STATS").get("endpoints").get(0);

        Message refused = client.request("fooweb_req", "/etc/passwd".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
        JsonNode after = ask("STATS").get("endpoints").get(0);

        assertEquals(0, refused.getData().length);
        assertEquals(1, after.get("num_requests").asLong() - before.get("num_requests").asLong(), after.toString());
        assertEquals(1, after.get("num_errors").asLong() - before.get("num_errors").asLong(), after.toString());
        assertTrue(after.get("last_error").asText().startsWith("403 outside_roots: "), after.toString());
    }

    @Test
    void everyLiveBackendAnswersAndAStoppedOneNoLonger() throws Exception {
        Main second = AnotherFooweb.start("backend", 0, FreePort.next());
        String secondId;
        try {
            await("second backend registered").atMost(Duration.ofSeconds(15))
                    .until(() -> ids(gather("$SRV.PING.fooweb")).size() == 2);
            List<JsonNode> pings = gather("$SRV.PING.fooweb");
            Set<String> ids = ids(pings);
            assertTrue(ids.contains(id), ids.toString());
            secondId = ids.stream().filter(other -> !other.equals(id)).findFirst().orElseThrow();
            assertNotEquals(id, secondId);
            // each instance keeps its own statistics
            assertEquals(2, ids(gather("$SRV.STATS.fooweb")).size());
            assertEquals(1, gather("$SRV.INFO.fooweb." + secondId).size());
        } finally {
            second.stop();
        }

        assertEquals(List.of(), gather("$SRV.PING.fooweb." + secondId));
        assertEquals(Set.of(id), ids(gather("$SRV.PING.fooweb")));
    }

    @Test
    void theWebRoleRegistersNoService() throws Exception {
        int port = FreePort.next();
        Main web = AnotherFooweb.start("web", port, FreePort.next());
        try {
            Http otherWeb = new Http(port);
            await("web connected").atMost(Duration.ofSeconds(15)).until(() -> otherWeb.postForm("hello.txt").statusCode() == 200);

            assertEquals(Set.of(id), ids(gather("$SRV.PING")));
        } finally {
            web.stop();
        }
    }
}
