package io.fooweb.backend;

import io.fooweb.nats.NatsConnector;
import io.fooweb.wire.ServiceApi;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.NUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a backend one instance of the {@value ServiceApi#NAME} service of the NATS service API (ADR-32), so that
 * {@code nats micro ls}, {@code nats micro info fooweb} and {@code nats micro stats fooweb} list every live backend
 * with its request statistics. It answers {@code $SRV.PING}, {@code $SRV.INFO} and {@code $SRV.STATS}, each also with
 * the {@code .fooweb} and {@code .fooweb.<id>} suffixes, on the process's shared connection and a dispatcher of its own
 * (a discovery request never waits behind a file read). The answers follow the io.nats.micro.v1 JSON schemas, with
 * every required field present.
 * <p>
 * The requests themselves stay with the backend route; {@link BackendStats} counts them. jnats' own
 * {@code io.nats.service.Service} does not fit: it subscribes its endpoints itself, so it would take the requests
 * from the routes, and its response classes can only be built by it (their constructors are package-private).
 * <p>
 * Only where the backend routes are loaded (routes/backend.camel.yaml); the web registers no service. It stops answering when {@link GracefulShutdown} drains the connection, at the moment the backend stops
 * taking requests.
 */
public class NatsServiceDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(NatsServiceDiscovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id = NUID.nextGlobal();
    private final String version;
    private final String description;
    private final Map<String, String> metadata;
    private final EndpointInfo endpoint;
    private final BackendStats stats;
    private final NatsConnector nats;
    private volatile String started;
    private AutoCloseable answering;

    /**
     * @param stats       the workers' statistics
     * @param subject     the subject the backend workers serve
     * @param queue       their queue group
     * @param concurrency how many workers this backend runs (shown by {@code nats micro info})
     */
    public NatsServiceDiscovery(NatsConnector nats, BackendStats stats, String subject, String queue, int concurrency) {
        this.nats = nats;
        this.version = projectVersion();
        this.description = "fooweb backend: reads the file a request names and replies with its bytes";
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(
                Map.of("backend", ServiceApi.hostAndPid(), "workers", String.valueOf(concurrency))));
        // ADR-32 endpoint names are [A-Za-z0-9_-]+; the default subject fooweb_req already is one
        this.endpoint = new EndpointInfo(subject.replaceAll("[^A-Za-z0-9_-]", "_"), subject, queue, null);
        this.stats = stats;
    }

    /** The pom's version, which the build writes into io/fooweb/version.properties; 0.0.0 where that did not run (JBang). */
    private static String projectVersion() {
        Properties version = new Properties();
        try (InputStream in = NatsServiceDiscovery.class.getResourceAsStream("/io/fooweb/version.properties")) {
            if (in != null) {
                version.load(in);
            }
        } catch (IOException e) {
            return "0.0.0";
        }
        String value = version.getProperty("version", "");
        return value.isEmpty() || value.startsWith("$") ? "0.0.0" : value;
    }

    /** The bean's init method: answers once connected, again on a connection that replaces one jnats closed for good. */
    public void start() {
        answering = nats.dispatch(this::answerOn);
    }

    /** The bean's destroy method. */
    public void stop() throws Exception {
        if (answering != null) {
            answering.close();
        }
    }

    private Dispatcher answerOn(Connection connection) {
        started = Instant.now().toString();
        byte[] ping = json(new Ping(ServiceApi.NAME, id, version, metadata, "io.nats.micro.v1.ping_response"));
        byte[] info = json(new Info(ServiceApi.NAME, id, version, metadata, "io.nats.micro.v1.info_response", description, List.of(endpoint)));
        Dispatcher dispatcher = connection.createDispatcher();
        answer(connection, dispatcher, "PING", () -> ping);
        answer(connection, dispatcher, "INFO", () -> info);
        answer(connection, dispatcher, "STATS", () -> json(stats()));
        LOG.info("NATS service API: {} {} id {} answers {}PING|INFO|STATS[.{}[.{}]]", ServiceApi.NAME, version, id, ServiceApi.PREFIX, ServiceApi.NAME, id);
        return dispatcher;
    }

    /** The three subjects a verb is asked on: all services, this service's kind, this instance. */
    List<String> subjects(String verb) {
        return List.of(ServiceApi.PREFIX + verb, ServiceApi.PREFIX + verb + "." + ServiceApi.NAME, ServiceApi.PREFIX + verb + "." + ServiceApi.NAME + "." + id);
    }

    private void answer(Connection connection, Dispatcher dispatcher, String verb, Supplier<byte[]> response) {
        for (String subject : subjects(verb)) {
            dispatcher.subscribe(subject, message -> {
                if (message.getReplyTo() != null) {
                    connection.publish(message.getReplyTo(), response.get());
                }
            });
        }
    }

    Stats stats() {
        BackendStats.Snapshot now = stats.snapshot();
        EndpointStats endpointStats = new EndpointStats(endpoint.name(), endpoint.subject(), endpoint.queueGroup(), now.requests(),
                now.errors(), now.lastError(), now.processingNanos(), now.averageProcessingNanos());
        return new Stats(ServiceApi.NAME, id, version, metadata, "io.nats.micro.v1.stats_response", started, List.of(endpointStats));
    }

    private static byte[] json(Object response) {
        try {
            return JSON.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the io.nats.micro.v1 response schemas; field names in snake_case, durations in nanoseconds ----

    record Ping(String name, String id, String version, Map<String, String> metadata, String type) {
    }

    record Info(String name, String id, String version, Map<String, String> metadata, String type, String description,
            List<EndpointInfo> endpoints) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EndpointInfo(String name, String subject, String queueGroup, Map<String, String> metadata) {
    }

    /** {@code started} in RFC 3339 (UTC). */
    record Stats(String name, String id, String version, Map<String, String> metadata, String type, String started,
            List<EndpointStats> endpoints) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EndpointStats(String name, String subject, String queueGroup, long numRequests, long numErrors, String lastError,
            long processingTime, long averageProcessingTime) {
    }
}
