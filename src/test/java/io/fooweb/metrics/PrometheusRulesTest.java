package io.fooweb.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.fooweb.fixture.Command;
import io.fooweb.fixture.PrometheusServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.fooweb.fixture.PrometheusKit.ALERTS;
import static io.fooweb.fixture.PrometheusKit.ALERT_TESTS;
import static io.fooweb.fixture.PrometheusKit.RECORDING;
import static io.fooweb.fixture.PrometheusKit.alertRules;
import static io.fooweb.fixture.PrometheusKit.dashboard;
import static io.fooweb.fixture.PrometheusKit.dashboardQueries;
import static io.fooweb.fixture.PrometheusKit.list;
import static io.fooweb.fixture.PrometheusKit.map;
import static io.fooweb.fixture.PrometheusKit.metricsRead;
import static io.fooweb.fixture.PrometheusKit.recordingRules;
import static io.fooweb.fixture.PrometheusKit.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Prometheus kit in deploy/prometheus/: promtool accepts the rule files and passes the alerts' unit tests; every
 * alert has a test that fires it and one that does not, a {@code for:}, a severity and a runbook that docs/operations.md
 * has; every fooweb metric the kit reads is one that docs/operations.md lists; the Grafana dashboard is importable (its
 * data source a variable), draws the recording rules, and its queries are PromQL that promtool accepts. PrometheusIT
 * runs them all against a real Prometheus scraping a running fooweb.
 */
class PrometheusRulesTest {

    static final Path OPERATIONS = Path.of("docs", "operations.md");
    static final Set<String> SEVERITIES = Set.of("critical", "warning");
    /** A recording rule's name, level:metric:operations. */
    static final Pattern RECORDED_NAME = Pattern.compile("\\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\\b");

    @Test
    void promtoolAcceptsTheRuleFiles() throws Exception {
        Command.Result check = promtool("check", "rules", ALERTS.toString(), RECORDING.toString());

        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + alertRules().size() + " rules found"), check.output());
        assertTrue(check.output().contains("SUCCESS: " + recordingRules().size() + " rules found"), check.output());
    }

    @Test
    void everyAlertPassesItsPromtoolUnitTests() throws Exception {
        Command.Result test = promtool("test", "rules", ALERT_TESTS.toString());

        assertEquals(0, test.exit(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }

    @Test
    void everyAlertHasAFiringAndASilentTest() throws IOException {
        Map<String, int[]> cases = new LinkedHashMap<>();
        alertRules().forEach(rule -> cases.put((String) rule.get("alert"), new int[2]));
        for (Map<String, Object> test : list(yaml(ALERT_TESTS).get("tests"))) {
            for (Map<String, Object> evaluation : list(test.get("alert_rule_test"))) {
                int[] counts = cases.get((String) evaluation.get("alertname"));
                assertNotNull(counts, "a test of an alert that fooweb-alerts.yml does not have: " + evaluation);
                counts[list(evaluation.get("exp_alerts")).isEmpty() ? 1 : 0]++;
            }
        }
        cases.forEach((alert, counts) -> {
            assertTrue(counts[0] > 0, alert + " has no test in which it fires");
            assertTrue(counts[1] > 0, alert + " has no test in which it stays silent");
        });
    }

    @Test
    void everyAlertHasAForASeverityAndARunbookTheDocsHave() throws IOException {
        Set<String> anchors = headingAnchors(Files.readString(OPERATIONS));
        for (Map<String, Object> rule : alertRules()) {
            String alert = (String) rule.get("alert");
            assertTrue(rule.get("for") instanceof String duration && duration.matches("\\d+[smh]"), alert + " has no for:");
            assertTrue(SEVERITIES.contains(map(rule.get("labels")).get("severity")), alert + "'s severity: " + rule.get("labels"));
            Map<String, Object> annotations = map(rule.get("annotations"));
            assertTrue(annotations.containsKey("summary") && annotations.containsKey("description"), alert + ": " + annotations);
            String runbook = (String) annotations.get("runbook");
            assertNotNull(runbook, alert + " has no runbook annotation");
            assertTrue(runbook.startsWith(OPERATIONS + "#") && anchors.contains(runbook.substring(runbook.indexOf('#') + 1)),
                    alert + "'s runbook " + runbook + " is no heading of " + OPERATIONS);
        }
    }

    @Test
    void theDashboardIsImportableWithItsDataSourceAVariable() throws IOException {
        JsonNode dashboard = dashboard();

        assertEquals("fooweb-overview", dashboard.path("uid").asText());
        JsonNode variable = dashboard.path("templating").path("list").get(0);
        assertEquals("DS_PROMETHEUS", variable.path("name").asText());
        assertEquals("datasource", variable.path("type").asText());
        assertEquals("prometheus", variable.path("query").asText());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertTrue(ids.add(panel.path("id").asInt()), "panel id used twice: " + title);
            assertTrue(panel.path("gridPos").path("w").asInt() > 0 && panel.path("gridPos").path("h").asInt() > 0, title);
            assertEquals("${DS_PROMETHEUS}", panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("targets").isEmpty(), title + " has no query");
            for (JsonNode target : panel.path("targets")) {
                assertEquals("${DS_PROMETHEUS}", target.path("datasource").path("uid").asText(), title);
                assertFalse(target.path("expr").asText().isBlank(), title);
            }
        }
        for (String title : List.of("Request rate by status", "Latency p50 / p99", "Hedges", "Backends live", "Per-backend load")) {
            assertTrue(dashboardQueries().containsKey(title), "no panel " + title);
        }
    }

    @Test
    void theDashboardDrawsTheRecordingRules() throws IOException {
        Set<String> recorded = new TreeSet<>();
        recordingRules().forEach(rule -> recorded.add((String) rule.get("record")));
        Set<String> drawn = new TreeSet<>();
        dashboardQueries().values().forEach(queries -> queries.forEach(query -> {
            Matcher name = RECORDED_NAME.matcher(query);
            while (name.find()) {
                assertTrue(recorded.contains(name.group()), name.group() + " is no recording rule of " + RECORDING);
                drawn.add(name.group());
            }
        }));
        // every rule is drawn, but the bucket rates the quantiles are computed from
        recorded.removeAll(drawn);
        assertEquals(Set.of("job_le:fooweb_request_duration_seconds_bucket:rate1m"), recorded);
    }

    @Test
    void everyMetricTheKitReadsIsOneTheDocsList() throws IOException {
        String metrics = Files.readString(OPERATIONS);
        for (String metric : metricsRead()) {
            // a histogram's series are documented by its name
            String documented = metric.replaceFirst("_(bucket|count|sum)$", "");
            assertTrue(metrics.contains("| `" + documented), "the kit reads " + metric + ", which " + OPERATIONS + "#metrics does not list");
        }
    }

    @Test
    void theDashboardQueriesArePromqlThatPromtoolAccepts(@TempDir Path scratch) throws Exception {
        // promtool checks PromQL only in rule files: each query becomes a recording rule
        StringBuilder rules = new StringBuilder("groups:\n  - name: fooweb-dashboard-queries\n    rules:\n");
        int n = 0;
        for (List<String> queries : dashboardQueries().values()) {
            for (String query : queries) {
                rules.append("      - record: fooweb_dashboard_query_").append(++n).append("\n        expr: '")
                        .append(query.replace("'", "''")).append("'\n");
            }
        }
        Path file = Files.writeString(scratch.resolve("dashboard-queries.yml"), rules);

        Command.Result check = promtool("check", "rules", file.toString());

        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + n + " rules found"), check.output());
    }

    // --- helpers ---

    private static Command.Result promtool(String... args) throws Exception {
        String promtool = PrometheusServer.promtool();
        assumeTrue(promtool != null, PrometheusServer.INSTALL_HINT);
        List<String> command = new ArrayList<>(List.of(promtool));
        command.addAll(List.of(args));
        return Command.run(command, 120);
    }

    /** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
    private static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        for (String line : markdown.lines().toList()) {
            if (line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
