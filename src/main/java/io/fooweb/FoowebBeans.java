package io.fooweb;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.BindToRegistry;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.LoggerFactory;

/** The beans the routes call, built from application.properties, and the lifecycle hooks around them. */
@Configuration
public class FoowebBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        int concurrency = Integer.parseInt(properties.resolveProperty("fooweb.backend.concurrency").orElse("4"));
        int shutdownTimeout = Integer.parseInt(properties.resolveProperty("camel.main.shutdownTimeout").orElse("10"));
        context.addStartupListener(new HttpPortsBound());
        context.addStartupListener(new FoowebMetrics());
        addContextEventNotifier(context, new NatsStartup(concurrency));
        addContextEventNotifier(context,
                new GracefulShutdown(() -> context.getRegistry().lookupByNameAndType("nats", NatsConnector.class),
                        Duration.ofSeconds(shutdownTimeout)));
        // create the NATS connector while Camel starts, so that a setting it cannot use (credentials in a URL, an
        // unreadable .creds file, a wrong keystore password) stops every role at startup: the web's routes create it
        // anyway, but the backend's workers wait for the connection, so a backend would otherwise run on without NATS
        context.addStartupListener((camelContext, alreadyStarted) ->
                camelContext.getRegistry().lookupByNameAndType("nats", NatsConnector.class));
    }

    /**
     * Our notifiers only follow the context's lifecycle. Once any notifier takes exchange events, Camel creates and
     * offers it several events per exchange, for every request.
     */
    private static void addContextEventNotifier(CamelContext context, EventNotifierSupport notifier) {
        notifier.setIgnoreExchangeEvents(true);
        notifier.setIgnoreStepEvents(true);
        context.getManagementStrategy().addEventNotifier(notifier);
    }

    @BindToRegistry(value = "nats", lazy = true, destroyMethod = "close")
    public NatsConnector nats(
            @PropertyInject("fooweb.nats.servers") String servers,
            @PropertyInject("fooweb.nats.connection-name") String connectionName,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis,
            @PropertyInject("fooweb.nats.reconnect-wait") long reconnectWaitMillis,
            @BeanInject("natsSecurity") NatsSecurity security) {
        return new NatsConnector(servers, connectionName, Duration.ofMillis(requestTimeoutMillis), Duration.ofMillis(reconnectWaitMillis),
                security);
    }

    /** Authentication and TLS of the NATS connection; every setting empty by default (not used). */
    @BindToRegistry(value = "natsSecurity", lazy = true)
    public NatsSecurity natsSecurity(
            @PropertyInject("fooweb.nats.token") String token,
            @PropertyInject("fooweb.nats.user") String user,
            @PropertyInject("fooweb.nats.password") String password,
            @PropertyInject("fooweb.nats.creds") String creds,
            @PropertyInject("fooweb.nats.tls.truststore") String truststore,
            @PropertyInject("fooweb.nats.tls.truststore-password") String truststorePassword,
            @PropertyInject("fooweb.nats.tls.keystore") String keystore,
            @PropertyInject("fooweb.nats.tls.keystore-password") String keystorePassword) {
        return new NatsSecurity(token, user, password, creds, truststore, truststorePassword, keystore, keystorePassword);
    }

    @BindToRegistry(value = "natsRequester", lazy = true)
    public NatsRequester natsRequester(
            @BeanInject("nats") NatsConnector nats,
            @PropertyInject("fooweb.nats.subject") String subject,
            @PropertyInject("fooweb.request.timeout") long requestTimeoutMillis,
            @PropertyInject("fooweb.web.max-held-reply-bytes") long maxHeldReplyBytes) {
        return new NatsRequester(nats, subject, Duration.ofMillis(requestTimeoutMillis), maxHeldReplyBytes);
    }

    @BindToRegistry(value = "natsConsumerErrors", lazy = true)
    public NatsConsumerErrors natsConsumerErrors(@BeanInject("nats") NatsConnector nats) {
        return new NatsConsumerErrors(nats);
    }

    /** Readiness at /observe/health/ready on the management server: DOWN while NATS is not connected. */
    @BindToRegistry("natsHealthCheck")
    public NatsHealthCheck natsHealthCheck(Registry registry) {
        return new NatsHealthCheck(() -> registry.lookupByNameAndType("nats", NatsConnector.class));
    }

    /** Keeps /req and /stats on camel.server.port now that the management server has a port of its own. */
    @BindToRegistry(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    public MainServerHttpEngine platformHttpEngine() {
        return new MainServerHttpEngine();
    }

    @BindToRegistry("natsHeaderFilter")
    public HeaderFilterStrategy natsHeaderFilter() {
        return new HeaderAllowList(ReplyEnvelope.REQUEST_HEADER, RequestTrace.REQUEST_ID_HEADER, RequestTrace.TRACEPARENT_HEADER);
    }

    /** Names each POST /req: the request id and the client's traceparent, for the backend and the request log. */
    @BindToRegistry("requestTrace")
    public RequestTrace requestTrace() {
        return new RequestTrace();
    }

    /**
     * The optional bearer token POST /req requires; empty = none. Never logged: Camel's startup summary masks a
     * property whose last segment is "token" (it would print "api-token": "apitoken" is not on its list).
     */
    @BindToRegistry(value = "apiToken", lazy = true)
    public ApiToken apiToken(@PropertyInject(value = "fooweb.web.api.token", defaultValue = "") String token) {
        ApiToken apiToken = new ApiToken(token);
        if (apiToken.isRequired()) {
            LoggerFactory.getLogger(ApiToken.class).info("POST /req requires the API token (fooweb.web.api.token)");
        }
        return apiToken;
    }

    /** The request log: one line per POST /req on io.fooweb.access. */
    @BindToRegistry("accessLog")
    public AccessLog accessLog() {
        return new AccessLog();
    }

    /** The web's /req outcomes: req_counter, /stats and the fooweb_request* metrics; the req route's policy. */
    @BindToRegistry("requestCounter")
    public RequestCounter requestCounter() {
        return new RequestCounter();
    }

    /** GET /stats?scope=cluster, and this web's answers to the other webs' cluster requests; NatsStartup starts it. */
    @BindToRegistry(value = "clusterStats", lazy = true)
    public ClusterStats clusterStats(
            @BeanInject("nats") NatsConnector nats,
            @BeanInject("requestCounter") RequestCounter counter,
            @PropertyInject("fooweb.stats.cluster-deadline") long deadlineMillis) throws Exception {
        return new ClusterStats(nats, counter, Duration.ofMillis(deadlineMillis), hostAndPid());
    }

    @BindToRegistry("filenameRequest")
    public FilenameRequest filenameRequest(@PropertyInject("fooweb.web.default-filename") String defaultFilename) {
        return new FilenameRequest(defaultFilename);
    }

    @BindToRegistry(value = "fileReader", lazy = true)
    public ConfinedFileReader fileReader(
            @PropertyInject("fooweb.backend.roots") String roots,
            @PropertyInject("fooweb.backend.max-reply-bytes") int maxReplyBytes) {
        return new ConfinedFileReader(roots, maxReplyBytes);
    }

    @BindToRegistry(value = "replyEnvelope", lazy = true)
    public ReplyEnvelope replyEnvelope(@BeanInject("nats") NatsConnector nats) throws Exception {
        return new ReplyEnvelope(nats, hostAndPid());
    }

    /** What the backend workers may have queued at once: each one reply of at most max-reply-bytes, twice over. */
    @BindToRegistry(value = "replyBacklog", lazy = true)
    public ReplyBacklog replyBacklog(@BeanInject("nats") NatsConnector nats,
            @PropertyInject("fooweb.backend.concurrency") int concurrency,
            @PropertyInject("fooweb.backend.max-reply-bytes") int maxReplyBytes,
            @PropertyInject("fooweb.request.timeout") long requestTimeout) {
        return new ReplyBacklog(nats::connectionOrNull, 2L * concurrency * maxReplyBytes, Duration.ofMillis(requestTimeout));
    }

    /** Request statistics of the backend workers: the route policy of the backend-worker template. */
    @BindToRegistry(value = "backendStats", lazy = true)
    public BackendStats backendStats() {
        return new BackendStats();
    }

    /** This backend's instance of the fooweb service in the NATS service API; NatsStartup starts it. */
    @BindToRegistry(value = "natsServiceDiscovery", lazy = true)
    public NatsServiceDiscovery natsServiceDiscovery(
            @BeanInject("backendStats") BackendStats stats,
            @PropertyInject("fooweb.nats.subject") String subject,
            @PropertyInject("fooweb.nats.queue") String queue,
            @PropertyInject("fooweb.backend.concurrency") int concurrency) throws Exception {
        return new NatsServiceDiscovery(projectVersion(), "fooweb backend: reads the file a request names and replies with its bytes",
                subject, queue, Map.of("backend", hostAndPid(), "workers", String.valueOf(concurrency)), stats);
    }

    /** Names this process in replies, in the service API and in the cluster statistics: host:pid. */
    private static String hostAndPid() throws Exception {
        return InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid();
    }

    /** The pom's version, which the build writes into io/fooweb/version.properties; 0.0.0 where that did not run (JBang). */
    private static String projectVersion() throws IOException {
        Properties version = new Properties();
        try (InputStream in = FoowebBeans.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                version.load(in);
            }
        }
        String value = version.getProperty("version", "");
        return value.isEmpty() || value.startsWith("$") ? "0.0.0" : value;
    }
}
