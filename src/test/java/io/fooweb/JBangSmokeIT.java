package io.fooweb;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fooweb.fixture.CamelJBang;
import io.fooweb.fixture.Directories;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Camel JBang command of docs/jbang.md runs the same routes, properties and beans as the jar:
 * {@code camel run application.properties routes/nats.camel.yaml routes/web.camel.yaml routes/backend.camel.yaml $(find src/main/java/io/fooweb -name '*.java') target/fooweb-jnats-impl.jar --dep=io.nats:jnats:2.26.2 --dep=camel:nats --dep=camel:jackson --dep=camel:micrometer-prometheus --dep=net.java.dev.jna:jna:5.19.1 --dep=io.opentelemetry:opentelemetry-sdk-trace:1.68.0 --dep=io.opentelemetry:opentelemetry-exporter-otlp:1.68.0}
 * (after {@code mvn package}), running jnats 2.26.2 with its messages handled on the reader thread, as the jar does.
 * <p>
 * The jbang launcher is not available in CI, so the {@code camel} CLI runs from the Maven artifact
 * {@code camel-jbang-core} ({@link CamelJBang}). Only the property values that
 * differ per test run (ports, NATS URL, backend roots) are overridden with {@code --prop}.
 */
class JBangSmokeIT {

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path HOSTNAME = Path.of("/etc/hostname");
    private static final Duration STARTUP = Duration.ofSeconds(180);

    static NatsServer nats;
    static Process camel;
    static Path log;
    static Http http;

    @BeforeAll
    static void startCamelJBang() throws Exception {
        nats = NatsServer.launch();
        int httpPort = FreePort.next();
        http = new Http(httpPort);
        Path logs = Files.createDirectories(PROJECT.resolve("target/it-logs"));
        log = logs.resolve("jbang-" + httpPort + ".log");

        // JBang deletes and recreates .camel-jbang/ in its working directory: give it a fresh one of its own
        Path workDir = PROJECT.resolve("target/jbang-smoke/run-" + httpPort);
        Directories.deleteRecursively(workDir);
        Files.createDirectories(workDir);

        List<String> command = new ArrayList<>(CamelJBang.command(List.of("-Xmx512m")));
        command.addAll(List.of("run", PROJECT.resolve("application.properties").toString()));
        // what the shell expands the command to: the shared route file first (the others' beans use its)
        for (String routes : List.of("nats", "web", "backend")) {
            command.add(PROJECT.resolve("routes/" + routes + ".camel.yaml").toString());
        }
        command.addAll(files(PROJECT.resolve("src/main/java/io/fooweb"), ".java"));
        // our classes in jnats' package, from the jar `mvn package` builds: JBang puts a jar named on its command line
        // in the class loader it downloads jnats into (compiled from source they would land in a class loader of
        // their own, which may not use jnats' package-private members)
        command.add(PROJECT.resolve("target/fooweb-jnats-impl.jar").toString());
        command.addAll(List.of(
                // jnats 2.26.2, as the jar runs, first: JBang adds camel-nats' 2.24.1 as well (it cannot exclude a
                // transitive dependency), after it, where the class loader never looks
                "--dep=io.nats:jnats:2.26.2",
                "--dep=camel:nats",
                "--dep=camel:jackson",
                "--dep=camel:micrometer-prometheus",
                // the backend's confined reads (docs/confinement.md)
                "--dep=net.java.dev.jna:jna:5.19.1",
                // traces (off here, but compiled against)
                "--dep=io.opentelemetry:opentelemetry-sdk-trace:1.68.0",
                "--dep=io.opentelemetry:opentelemetry-exporter-otlp:1.68.0",
                "--logging-color=false",
                // a safety net should this JVM die without stopping it; @AfterAll stops it long before
                "--max-seconds=900",
                "--prop=camel.server.port=" + httpPort,
                "--prop=camel.management.port=" + FreePort.next(),
                "--prop=fooweb.nats.servers=" + nats.url(),
                "--prop=fooweb.backend.roots=" + HOSTNAME));

        Files.writeString(log, String.join(" ", command) + "\n\n");
        camel = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    @AfterAll
    static void stopCamelJBang() {
        if (camel != null) {
            List<ProcessHandle> children = camel.descendants().toList();
            camel.destroy();
            try {
                if (!camel.waitFor(30, TimeUnit.SECONDS)) {
                    camel.destroyForcibly();
                    camel.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                camel.destroyForcibly();
            }
            children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        if (nats != null) {
            nats.stop();
        }
    }

    @Test
    void servesAFileThroughBothRoutesAndCountsIt() throws Exception {
        HttpResponse<String> response = awaitServing();

        assertEquals(Map.of("file_contents", Files.readString(HOSTNAME, StandardCharsets.UTF_8)), Http.json(response),
                response.body());

        HttpResponse<String> stats = http.get("/stats");
        assertEquals(200, stats.statusCode(), stats.body());
        long counter = ((Number) Http.json(stats).get("req_counter")).longValue();
        assertTrue(counter >= 1, "req_counter is " + counter);
    }

    /** The same jnats as the jar, and the same threads: ReaderThreadDispatch in jnats' class loader. */
    @Test
    void runsJnats2262WithItsMessagesOnTheReaderThread() throws IOException {
        awaitServing();

        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(text.contains("jnats 2.26.2 (") && text.contains("are handled on the reader thread"), logTail());
    }

    @Test
    void refusesAFileOutsideTheRootsWithTheJsonError() {
        awaitServing();

        HttpResponse<String> response = http.postForm("/etc/passwd");

        assertEquals(403, response.statusCode(), response.body());
        assertEquals("outside_roots", Http.json(response).get("error"), response.body());
    }

    /**
     * The first 200 of POST /req: Camel JBang has compiled our sources, started both routes and connected to NATS,
     * and the backend's subscription is in place. The first run may download dependencies into ~/.m2.
     */
    private static HttpResponse<String> awaitServing() {
        try {
            return await("Camel JBang serving POST /req").atMost(STARTUP).pollInterval(Duration.ofMillis(500))
                    // nothing listens yet: Http wraps the refused connection in an IllegalStateException
                    .ignoreExceptionsMatching(e -> e instanceof IllegalStateException && e.getCause() instanceof IOException)
                    .until(() -> {
                        if (!camel.isAlive()) {
                            throw new AssertionError("Camel JBang exited with " + camel.exitValue() + "; " + logTail());
                        }
                        return http.postForm(HOSTNAME.toString());
                    }, response -> response.statusCode() == 200);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; " + logTail(), e);
        }
    }

    private static List<String> files(Path directory, String suffix) throws IOException {
        try (Stream<Path> entries = Files.walk(directory)) {
            List<String> names = entries.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .map(Path::toString).sorted().toList();
            assertTrue(!names.isEmpty(), "no *" + suffix + " in " + directory);
            return names;
        }
    }

    private static String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "last lines of " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "see " + log;
        }
    }
}
