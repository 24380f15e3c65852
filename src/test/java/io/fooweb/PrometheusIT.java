package io.fooweb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.fooweb.fixture.FoowebProcess;
import io.fooweb.fixture.Load;
import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.PrometheusKit;
import io.fooweb.fixture.PrometheusServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Prometheus kit against real components: a nats-server, a fooweb backend and web (the packaged jar), and Debian's
 * Prometheus scraping both management ports every second with deploy/prometheus/'s rule files. Load goes through;
 * every recording rule, every alert's expression and every query of the dashboard evaluate through /api/v1/query
 * without error, the recording rules and the dashboard's queries draw data, and every fooweb metric the kit reads is
 * one fooweb exports; then the backend stops, the no-backend alert fires and the web's own view of live backends
 * (steering) drops to none.
 * <p>
 * The recording rules are loaded as they are. The alerts are a copy with every {@code for:} cut to
 * {@value #SHORT_FOR} (the real ones wait one to five minutes, longer than a test should take); everything else in the
 * copy is the real file's, which the test checks. Prometheus' data and configuration are in target/prometheus-it,
 * deleted at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusIT {

    static final String SHORT_FOR = "3s";
    static final Path WORK = Path.of("target", "prometheus-it");
    static final Pattern FOR = Pattern.compile("(?m)^(\\s+for: )\\S+$");
    static final String NO_BACKEND = "FoowebNoBackendAnswering";

    static String skip;
    static NatsServer nats;
    static FoowebProcess backend;
    static FoowebProcess web;
    static PrometheusServer prometheus;
    static Load load;

    @BeforeAll
    static void startDeploymentAndPrometheus() throws Exception {
        skip = PrometheusServer.whyNot();
        if (skip != null) {
            return;
        }
        nats = NatsServer.launch();
        CompletableFuture<FoowebProcess> startingBackend = CompletableFuture.supplyAsync(() -> FoowebProcess.start("backend", nats.url()));
        web = FoowebProcess.start("web", nats.url());
        backend = startingBackend.join();

        Files.createDirectories(WORK.getParent());
        Path alerts = WORK.resolveSibling("prometheus-it-alerts.yml");
        Files.writeString(alerts, shortened(Files.readString(PrometheusKit.ALERTS)));
        prometheus = PrometheusServer.launch(WORK, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                  - %s
                scrape_configs:
                  - job_name: fooweb-web
                    metrics_path: /observe/metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                  - job_name: fooweb-backend
                    metrics_path: /observe/metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(PrometheusKit.RECORDING.toAbsolutePath(), alerts.toAbsolutePath(), web.managementPort(),
                backend.managementPort()));
    }

    @BeforeEach
    void runsOnThisMachine() {
        assumeTrue(skip == null, skip);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (load != null) {
            load.close();
        }
        for (AutoCloseable process : new AutoCloseable[] { web, backend, nats, prometheus }) {
            if (process != null) {
                process.close();
            }
        }
        Files.deleteIfExists(WORK.resolveSibling("prometheus-it-alerts.yml"));
    }

    @Test
    @Order(1)
    void theAlertsCopyDiffersFromTheRealFileOnlyInForDurations() throws IOException {
        String real = Files.readString(PrometheusKit.ALERTS);
        String copy = Files.readString(WORK.resolveSibling("prometheus-it-alerts.yml"));

        assertEquals(PrometheusKit.alertRules().size(), FOR.matcher(copy).results().count(), "a for: per alert");
        assertEquals(FOR.matcher(real).replaceAll("$1*"), FOR.matcher(copy).replaceAll("$1*"));
        assertTrue(FOR.matcher(copy).results().allMatch(m -> m.group().endsWith(" " + SHORT_FOR)), copy);
    }

    @Test
    @Order(2)
    void underLoadEveryRuleAndDashboardQueryEvaluatesAndDraws() throws Exception {
        await("prometheus scrapes the web and the backend").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> scalar("sum(up{job=~\"fooweb-.*\"})") == 2);
        assertEquals(200, web.http().postForm("/etc/hostname").statusCode());
        // a failure the backend answers (outside its roots): a 4xx series, a backend error
        assertEquals(403, web.http().postForm("/no/such/file").statusCode());
        load = Load.start(web.httpPort(), 2, 100_000, "/etc/hostname");
        await("the recording rules see the load").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> scalar("sum(job:fooweb_requests:rate1m)") > 1
                        && scalar("sum(instance:fooweb_backend_requests:rate1m)") > 1
                        && !series("job:fooweb_request_duration_seconds:p99_rate1m").isEmpty());
        List<String> failures = new ArrayList<>();

        // every rule's expression evaluates; a recorded series exists for each recording rule
        JsonNode groups = prometheus.api("/api/v1/rules").path("data").path("groups");
        Set<String> loaded = new TreeSet<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("name").asText();
                loaded.add(name);
                if (!"ok".equals(rule.path("health").asText())) {
                    failures.add(name + ": health " + rule.path("health").asText() + " " + rule.path("lastError").asText());
                }
                check(name, rule.path("query").asText(), !rule.path("type").asText().equals("alerting"), failures);
            }
        }
        assertEquals(alertNames(), loaded.stream().filter(n -> n.startsWith("Fooweb")).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(PrometheusKit.recordingRules().size() + alertNames().size(), loaded.size(), "rules loaded: " + loaded);

        // every query of every dashboard panel evaluates and draws something
        for (Map.Entry<String, List<String>> panel : PrometheusKit.dashboardQueries().entrySet()) {
            for (String query : panel.getValue()) {
                check("panel '" + panel.getKey() + "'", query, true, failures);
            }
        }
        assertEquals(List.of(), failures);

        // the raw metrics the kit names are the ones fooweb exports now
        Set<String> exported = new TreeSet<>();
        series("count by (__name__) ({__name__=~\"fooweb_.+\"})").forEach(s -> exported.add(s.path("metric").path("__name__").asText()));
        Set<String> named = new TreeSet<>(PrometheusKit.metricsRead());
        named.removeAll(exported);
        assertEquals(Set.of(), named, "metrics the kit names that fooweb does not export; it exports " + exported);

        // all is well: the backend is live, as Prometheus and the web see it, and neither it nor NATS is alerted on
        assertEquals(1, scalar("sum(job:fooweb_backends_live:count)"));
        assertEquals(1, scalar("min(job:fooweb_steering_backends_live:min)"));
        assertTrue(scalar("sum(job_backend:fooweb_steering_sends:rate1m)") > 1, "the web steers its requests to the backend");
        assertEquals(Set.of(), alerts(NO_BACKEND, "FoowebNatsDisconnected"));
    }

    @Test
    @Order(3)
    void theNoBackendAlertFiresOnceTheBackendStops() throws Exception {
        assertTrue(load != null && backend.isAlive(), "the load step did not run");
        load.stop();

        backend.stop();

        assertEquals(503, web.http().postForm("/etc/hostname").statusCode());
        await("FoowebNoBackendAnswering fires").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> alerts(NO_BACKEND).contains(NO_BACKEND + " firing"));
        JsonNode firing = alert(NO_BACKEND);
        assertEquals("critical", firing.path("labels").path("severity").asText());
        assertEquals("docs/operations.md#alerts", firing.path("annotations").path("runbook").asText());
        assertEquals(0, scalar("sum(job:fooweb_backends_live:count) or vector(0)"));
        // the web ejected it too (silent, or unanswered when a send found nobody at its subject)
        await("the web ejects the backend").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> scalar("min(job:fooweb_steering_backends_live:min)") == 0
                        && scalar("sum(job_reason:fooweb_steering_ejections:rate1m)") > 0);
        // the web itself is fine
        assertFalse(alerts("FoowebNatsDisconnected").contains("FoowebNatsDisconnected firing"));
    }

    // --- helpers ---

    static String shortened(String alerts) {
        return FOR.matcher(alerts).replaceAll("$1" + SHORT_FOR);
    }

    static Set<String> alertNames() throws IOException {
        Set<String> names = new TreeSet<>();
        PrometheusKit.alertRules().forEach(rule -> names.add((String) rule.get("alert")));
        return names;
    }

    /** Evaluates {@code query}; a failure is noted: an error, a warning, or, when it must draw, no series at all. */
    private static void check(String what, String query, boolean mustDraw, List<String> failures) throws Exception {
        JsonNode answer = prometheus.query(query);
        if (!"success".equals(answer.path("status").asText()) || answer.has("warnings")) {
            failures.add(what + ": " + query + " -> " + answer);
        } else if (mustDraw && answer.path("data").path("result").isEmpty()) {
            failures.add(what + ": " + query + " -> no data");
        }
    }

    private static JsonNode series(String query) throws Exception {
        JsonNode answer = prometheus.query(query);
        assertEquals("success", answer.path("status").asText(), query + " -> " + answer);
        return answer.path("data").path("result");
    }

    /** The value of a query that gives one series, NaN when it gives none. */
    private static double scalar(String query) throws Exception {
        JsonNode result = series(query);
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** "name state" of each pending or firing alert among {@code names}. */
    private static Set<String> alerts(String... names) throws Exception {
        Set<String> wanted = Set.of(names);
        Set<String> found = new TreeSet<>();
        for (JsonNode alert : prometheus.api("/api/v1/alerts").path("data").path("alerts")) {
            String name = alert.path("labels").path("alertname").asText();
            if (wanted.contains(name)) {
                found.add(name + " " + alert.path("state").asText());
            }
        }
        return found;
    }

    private static JsonNode alert(String name) throws Exception {
        for (JsonNode alert : prometheus.api("/api/v1/alerts").path("data").path("alerts")) {
            if (name.equals(alert.path("labels").path("alertname").asText())) {
                return alert;
            }
        }
        throw new AssertionError("no alert " + name);
    }
}
