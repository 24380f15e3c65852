package io.fooweb;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fooweb.fixture.Directories;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The role is the property fooweb.role, read from every source Camel reads: edited in the jar's application.properties,
 * it picks the role of a jar started with no argument; FOOWEB_ROLE overrides it, and the launcher's argument overrides
 * both. Set in a properties file outside the jar (as the package's /etc/fooweb/fooweb.properties) it picks the role
 * too, and a Camel profile (CAMEL_MAIN_PROFILE=web) picks application-web.properties, which sets it.
 */
class RoleSettingIT {

    static Path built;
    static Path jar;
    static NatsServer nats;

    @BeforeAll
    static void jarWithBackendRole() throws IOException {
        built = Path.of(System.getProperty("fooweb.jar", "target/fooweb.jar")).toAbsolutePath();
        Path dir = built.getParent().resolve("role-it");
        Directories.deleteRecursively(dir);
        Files.createDirectories(dir);
        jar = dir.resolve("fooweb.jar");
        Files.copy(built, jar, StandardCopyOption.REPLACE_EXISTING);
        // the thin jar finds its dependencies in lib/ beside it
        Files.createSymbolicLink(dir.resolve("lib"), built.getParent().resolve("lib"));
        try (FileSystem contents = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            Path properties = contents.getPath("/application.properties");
            String text = Files.readString(properties);
            String edited = text.replaceFirst("(?m)^fooweb\\.role = all$", "fooweb.role = backend");
            assertFalse(edited.equals(text), "application.properties has no 'fooweb.role = all' line to edit");
            Files.writeString(properties, edited);
        }
        nats = NatsServer.launch();
    }

    @AfterAll
    static void stop() {
        nats.close();
    }

    private static Process start(Map<String, String> env, int httpPort, String... args) throws IOException {
        return start(jar, List.of(), env, httpPort, args);
    }

    private static Process start(Path jar, List<String> jvmOptions, Map<String, String> env, int httpPort, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(RoleSettingIT.jar.resolveSibling("role-" + httpPort + ".log").toFile());
        builder.environment().remove("FOOWEB_ROLE");
        builder.environment().putAll(env);
        builder.environment().put("FOOWEB_NATS_SERVERS", nats.url());
        builder.environment().put("FOOWEB_BACKEND_ROOTS", "/etc/hostname");
        builder.environment().put("PORT", String.valueOf(httpPort));
        builder.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(FreePort.next()));
        return builder.start();
    }

    private static String log(int httpPort) throws IOException {
        Path log = jar.resolveSibling("role-" + httpPort + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static void awaitStarted(Process process, int httpPort) {
        await("started").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with " + process.exitValue() + ":\n" + log(httpPort));
            }
            return log(httpPort).contains("(fooweb) started");
        });
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    @Test
    void thePropertyInTheJarPicksTheRoleAndTheEnvironmentAndTheArgumentOverrideIt() throws Exception {
        String hostname = Files.readString(Path.of("/etc/hostname"));
        int backendPort = FreePort.next();
        Process backend = start(Map.of(), backendPort);
        try (Connection client = Nats.connect(nats.url())) {
            awaitStarted(backend, backendPort);
            await("the backend serves").atMost(Duration.ofSeconds(10)).until(() -> log(backendPort).contains("with 4 workers"));
            // fooweb.role = backend: workers on NATS, no HTTP API
            assertEquals(hostname, new String(client.request("fooweb_req", "/etc/hostname".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(2)).getData(), StandardCharsets.UTF_8));
            assertFalse(FreePort.accepts(backendPort), "the backend role opened the HTTP port");
        } finally {
            stop(backend);
        }

        int webPort = FreePort.next();
        Process web = start(Map.of("FOOWEB_ROLE", "web"), webPort);
        try {
            awaitStarted(web, webPort);
            await("the HTTP port accepts").atMost(Duration.ofSeconds(10)).until(() -> FreePort.accepts(webPort));
            // FOOWEB_ROLE=web over the file: the HTTP API and no workers, so nobody serves
            Http http = new Http(webPort);
            await("the web connected to NATS").atMost(Duration.ofSeconds(10))
                    .until(() -> "no_backend".equals(Http.json(http.postForm("/etc/hostname")).get("error")));
            assertFalse(log(webPort).contains("workers"), log(webPort));
        } finally {
            stop(web);
        }

        int allPort = FreePort.next();
        Process all = start(Map.of("FOOWEB_ROLE", "web"), allPort, "all");
        try {
            awaitStarted(all, allPort);
            await("the HTTP port accepts").atMost(Duration.ofSeconds(10)).until(() -> FreePort.accepts(allPort));
            Http http = new Http(allPort);
            // the argument over both: web and backend in one process
            await("all serves").atMost(Duration.ofSeconds(10)).until(() -> http.postForm("/etc/hostname").statusCode() == 200);
            assertEquals(hostname, Http.json(http.postForm("/etc/hostname")).get("file_contents"));
        } finally {
            stop(all);
        }
    }

    @Test
    void theRoleInAPropertiesFileOutsideTheJarPicksTheRole() throws Exception {
        Path settings = jar.resolveSibling("fooweb.properties");
        Files.writeString(settings, "fooweb.role = backend\n");
        int port = FreePort.next();
        Process backend = start(built, List.of("-Dcamel.main.property-placeholder-location=file:" + settings + ";optional=true,"
                + "classpath:application.properties"), Map.of(), port);
        try {
            awaitStarted(backend, port);
            await("the backend serves").atMost(Duration.ofSeconds(10)).until(() -> log(port).contains("with 4 workers"));
            assertFalse(FreePort.accepts(port), "the backend role opened the HTTP port");
        } finally {
            stop(backend);
        }
    }

    @Test
    void aCamelProfilePicksTheRole() throws Exception {
        int port = FreePort.next();
        Process web = start(built, List.of(), Map.of("CAMEL_MAIN_PROFILE", "web"), port);
        try {
            awaitStarted(web, port);
            await("the HTTP port accepts").atMost(Duration.ofSeconds(10)).until(() -> FreePort.accepts(port));
            Http http = new Http(port);
            await("the web connected to NATS, and nobody serves").atMost(Duration.ofSeconds(10))
                    .until(() -> "no_backend".equals(Http.json(http.postForm("/etc/hostname")).get("error")));
            assertFalse(log(port).contains("workers"), log(port));
        } finally {
            stop(web);
        }
    }
}
