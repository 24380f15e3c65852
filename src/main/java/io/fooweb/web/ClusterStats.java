package io.fooweb.web;

import io.fooweb.wire.ServiceApi;
import io.fooweb.http.EventLoop;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.NatsUnavailableException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.nats.client.Subscription;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /stats?scope=cluster}: the figures of every web and every backend on this NATS, gathered in one
 * scatter-gather over the process's shared connection. One request goes to {@value #WEB_SUBJECT}, which every web
 * answers with its {@code /stats} figures, and one to {@code $SRV.STATS.fooweb}, which every backend answers with its
 * NATS service API statistics; all answers that arrive on one reply inbox before the
 * deadline count. An instance that misses the deadline is missing from the answer, not waited for.
 * <p>
 * While NATS is down the cluster part says so ({@code "available": false}) and the web's own figures still answer.
 * Webs start answering once connected; backends do not answer {@value #WEB_SUBJECT}.
 */
public class ClusterStats {

    /** Every web answers requests on this subject with its /stats figures. */
    public static final String WEB_SUBJECT = "fooweb.stats.web";
    private static final String BACKEND_TYPE = "io.nats.micro.v1.stats_response";
    /** Web figures that add up across webs; errors (by status) add up per status. */
    private static final List<String> WEB_SUMS = List.of("req_counter", "timeouts", "no_responders", "in_flight", "bytes_served",
            "truncations");
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStats.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NatsConnector nats;
    private final RequestCounter counter;
    private final Duration deadline;
    private final String id = NUID.nextGlobal();
    private final String web;
    private AutoCloseable answering;

    /**
     * @param counter  this web's figures
     * @param deadlineMillis how long a cluster request collects answers
     */
    public ClusterStats(NatsConnector nats, RequestCounter counter, long deadlineMillis) {
        this.nats = nats;
        this.counter = counter;
        this.deadline = Duration.ofMillis(deadlineMillis);
        this.web = ServiceApi.hostAndPid();
    }

    /**
     * The bean's init method: answers the other webs on {@value #WEB_SUBJECT} once connected, on a dispatcher of its
     * own (never behind a /req reply), again on a connection that replaces one jnats closed for good.
     */
    public void start() {
        answering = nats.dispatch(connection -> {
            LOG.info("Cluster statistics: this web ({}) answers {}", id, WEB_SUBJECT);
            return connection.createDispatcher(request -> {
                if (request.getReplyTo() != null) {
                    connection.publish(request.getReplyTo(), json(figures()));
                }
            }).subscribe(WEB_SUBJECT);
        });
    }

    /** The bean's destroy method. */
    public void stop() throws Exception {
        if (answering != null) {
            answering.close();
        }
    }

    /** This web's figures as other webs see them: its /stats, with its id and host:pid. */
    Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("id", id);
        figures.put("web", web);
        figures.putAll(counter.stats());
        return figures;
    }

    /**
     * The local /stats answer with the whole deployment's figures added as "cluster". Gathering waits for the
     * deadline, so it runs off the event loop.
     */
    public CompletionStage<Map<String, Object>> withCluster(@Body Map<String, Object> local) {
        return EventLoop.offEventLoop(() -> {
            Map<String, Object> answer = new LinkedHashMap<>(local);
            answer.put("cluster", cluster());
            return answer;
        });
    }

    Map<String, Object> cluster() throws InterruptedException {
        List<JsonNode> webs = new ArrayList<>();
        List<Map<String, Object>> backends = new ArrayList<>();
        try {
            Connection connection = nats.connection();
            String inbox = connection.createInbox();
            Subscription answers = connection.subscribe(inbox);
            try {
                connection.publish(WEB_SUBJECT, inbox, new byte[0]);
                connection.publish(ServiceApi.STATS_SUBJECT, inbox, new byte[0]);
                long end = System.nanoTime() + deadline.toNanos();
                for (long left = deadline.toNanos(); left > 0; left = end - System.nanoTime()) {
                    // at least 1 ms: jnats waits forever on a zero timeout
                    Message answer = answers.nextMessage(Duration.ofMillis(Math.max(1, left / 1_000_000)));
                    // with nobody subscribed to one of the subjects, the server answers with a no-responders status
                    if (answer == null || answer.isStatusMessage()) {
                        continue;
                    }
                    JsonNode figures = parse(answer);
                    if (figures == null) {
                        continue;
                    }
                    if (BACKEND_TYPE.equals(figures.path("type").asText())) {
                        backends.add(backend(figures));
                    } else if (figures.has("req_counter")) {
                        webs.add(figures);
                    }
                }
            } finally {
                answers.unsubscribe();
            }
        } catch (NatsUnavailableException | IllegalStateException e) {
            // not connected, or the connection went away while gathering (jnats' refusal)
            Map<String, Object> unavailable = new LinkedHashMap<>();
            unavailable.put("available", false);
            unavailable.put("error", "nats_unavailable");
            unavailable.put("message", "The cluster's figures need NATS: " + e.getMessage());
            return unavailable;
        }
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("available", true);
        cluster.put("this_web", id);
        cluster.put("deadline_ms", deadline.toMillis());
        cluster.put("webs", webs);
        cluster.put("backends", backends);
        cluster.put("totals", totals(webs, backends));
        return cluster;
    }

    /** An answer's JSON; null (and a log line) for anything else, which must not spoil the others' figures. */
    private static JsonNode parse(Message answer) {
        try {
            return JSON.readTree(answer.getData());
        } catch (IOException e) {
            LOG.warn("Ignoring a cluster statistics answer that is not JSON ({} bytes on {})", answer.getData().length, answer.getSubject());
            return null;
        }
    }

    /** One backend's io.nats.micro.v1 statistics, its endpoints summed (fooweb has one). */
    private static Map<String, Object> backend(JsonNode stats) {
        long requests = 0;
        long errors = 0;
        long processing = 0;
        String lastError = "";
        for (JsonNode endpoint : stats.path("endpoints")) {
            requests += endpoint.path("num_requests").asLong();
            errors += endpoint.path("num_errors").asLong();
            processing += endpoint.path("processing_time").asLong();
            lastError = endpoint.path("last_error").asText(lastError);
        }
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("id", stats.path("id").asText());
        backend.put("backend", stats.path("metadata").path("backend").asText(""));
        backend.put("version", stats.path("version").asText(""));
        backend.put("started", stats.path("started").asText(""));
        backend.put("num_requests", requests);
        backend.put("num_errors", errors);
        backend.put("last_error", lastError);
        backend.put("processing_time", processing);
        backend.put("average_processing_time", requests == 0 ? 0 : processing / requests);
        return backend;
    }

    private static Map<String, Object> totals(List<JsonNode> webs, List<Map<String, Object>> backends) {
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("webs", webs.size());
        totals.put("backends", backends.size());
        for (String figure : WEB_SUMS) {
            totals.put(figure, webs.stream().mapToLong(w -> w.path(figure).asLong()).sum());
        }
        Map<String, Long> errors = new TreeMap<>();
        for (JsonNode w : webs) {
            w.path("errors").fields().forEachRemaining(e -> errors.merge(e.getKey(), e.getValue().asLong(), Long::sum));
        }
        totals.put("errors", errors);
        totals.put("backend_requests", backends.stream().mapToLong(b -> (long) b.get("num_requests")).sum());
        totals.put("backend_errors", backends.stream().mapToLong(b -> (long) b.get("num_errors")).sum());
        return totals;
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
