package io.fooweb;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import io.fooweb.fixture.Directories;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.SystemdUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The install layout of docs/deploy.md, run by the unit's own command line: the packaged jar as
 * {@code <prefix>/fooweb.jar}, exactly the files its manifest names in {@code <prefix>/lib/}, and
 * {@code ExecStart} from {@code deploy/fooweb@.service} with {@code /opt/fooweb} moved to the scratch prefix,
 * {@code $JAVA_OPTS} from the unit's {@code Environment=} and {@code %i = all}, in the unit's working directory.
 */
class DeployLayoutIT {

    static final String PREFIX = "/opt/fooweb";

    final SystemdUnit unit = SystemdUnit.read(DeployUnitTest.UNIT_FILE);
    NatsServer nats;
    Process service;

    @AfterEach
    void stop() throws InterruptedException {
        if (service != null && service.isAlive()) {
            service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (nats != null) {
            nats.stop();
        }
    }

    @Test
    void theUnitsCommandServesFromTheInstallLayoutAndStopsCleanly() throws Exception {
        Path prefix = installLayout(Path.of("target", "deploy-layout", "opt", "fooweb").toAbsolutePath());
        assertEquals(PREFIX, unit.one("Service.WorkingDirectory"));

        nats = NatsServer.launch();
        int httpPort = FreePort.next();
        int managementPort = FreePort.next();
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("deploy-layout-" + httpPort + ".log");
        List<String> command = new ArrayList<>();
        List<String> execStart = execStart(prefix, "all");
        if (asUnprivilegedUser()) {
            // like User=fooweb under ProtectSystem=strict: a user that may read the install but not write to it ...
            command.addAll(List.of("runuser", "-u", "nobody", "--"));
            // ... with a /tmp of its own, like PrivateTmp=yes: every form POST makes Vert.x create camel-platform-http's
            // upload directory under java.io.tmpdir/camel, which another user may own on a shared /tmp
            Path tmp = privateTmp(prefix.resolveSibling("tmp"), "nobody");
            execStart.add(1, "-Djava.io.tmpdir=" + tmp);
        }
        command.addAll(execStart);
        ProcessBuilder builder = new ProcessBuilder(command).directory(prefix.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // what /etc/fooweb/fooweb.env would set
        builder.environment().putAll(Map.of(
                "FOOWEB_NATS_SERVERS", nats.url(),
                "PORT", String.valueOf(httpPort),
                "CAMEL_MANAGEMENT_PORT", String.valueOf(managementPort)));
        service = builder.start();

        Http management = new Http(managementPort);
        await("ready; see " + log).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof IllegalStateException && e.getCause() instanceof IOException)
                .until(() -> {
                    assertTrue(service.isAlive(), "exited with " + (service.isAlive() ? "" : service.exitValue()) + "; see " + log);
                    return management.get("/observe/health/ready").statusCode() == 200;
                });
        HttpResponse<String> response = new Http(httpPort).postForm("/etc/hostname");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(Files.readString(Path.of("/etc/hostname")), Http.json(response).get("file_contents"));

        // systemctl stop: KillSignal, then the exit status must be one the unit counts as success
        assertEquals("SIGTERM", unit.one("Service.KillSignal"));
        service.destroy();
        assertTrue(service.waitFor(DeployUnitTest.seconds(unit.one("Service.TimeoutStopSec")), TimeUnit.SECONDS),
                "not stopped within TimeoutStopSec");
        List<String> success = Arrays.asList(unit.one("Service.SuccessExitStatus").split("\\s+"));
        assertTrue(service.exitValue() == 0 || success.contains(String.valueOf(service.exitValue())),
                "exit status " + service.exitValue() + " would be a failure; SuccessExitStatus=" + success);

        // it wrote nothing into its working directory (the unit makes it read-only)
        try (Stream<Path> entries = Files.list(prefix)) {
            assertEquals(List.of("fooweb.jar", "lib"), entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static Path privateTmp(Path tmp, String owner) throws IOException {
        Directories.deleteRecursively(tmp);
        Files.createDirectories(tmp);
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(tmp, users.lookupPrincipalByName(owner));
        return tmp;
    }

    private static boolean asUnprivilegedUser() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/sbin/runuser"));
    }

    /** fooweb.jar and exactly the dependencies its manifest's Class-Path names, all under lib/. */
    private static Path installLayout(Path prefix) throws IOException {
        Directories.deleteRecursively(prefix);
        Path built = Path.of(System.getProperty("fooweb.jar", "target/fooweb.jar"));
        Path jar = Files.copy(built, Files.createDirectories(prefix).resolve("fooweb.jar"));
        String classPath;
        try (JarFile file = new JarFile(jar.toFile())) {
            classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
        }
        List<String> entries = Arrays.asList(classPath.trim().split("\\s+"));
        assertTrue(entries.size() > 10, "Class-Path " + classPath);
        for (String entry : entries) {
            assertTrue(entry.startsWith("lib/") && !entry.substring(4).contains("/"), "Class-Path entry " + entry);
            Path source = built.resolveSibling(entry);
            assertTrue(Files.isRegularFile(source), "the build has no " + source);
            Files.copy(source, Files.createDirectories(prefix.resolve("lib")).resolve(source.getFileName()),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return prefix;
    }

    /** ExecStart as systemd would run it: $JAVA_OPTS split into words, %i the role. */
    private List<String> execStart(Path prefix, String role) {
        List<String> command = new ArrayList<>();
        for (String word : unit.one("Service.ExecStart").split("\\s+")) {
            if (word.equals("$JAVA_OPTS")) {
                command.addAll(Arrays.asList(unit.environment("JAVA_OPTS").split("\\s+")));
            } else if (word.equals("%i")) {
                command.add(role);
            } else if (word.startsWith(PREFIX + "/")) {
                command.add(prefix + word.substring(PREFIX.length()));
            } else {
                command.add(word);
            }
        }
        // the unit's java (/usr/bin/java on Debian) if this machine has it, else the one running the tests
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        return command;
    }
}
