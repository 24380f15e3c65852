package io.fooweb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/fooweb's manners on a terminal: a usage line for what it does not know, and a quiet stop. */
class LauncherIT {

    static final Path PROJECT = Path.of("").toAbsolutePath();
    static final String USAGE = "Usage: fooweb [web|backend|all] | test [mvn arguments] | package|repo [--release | --version VERSION]";

    @Test
    void answersUnknownArgumentsAndHelpWithTheUsageLine() throws Exception {
        for (List<String> arguments : List.of(List.of("--help"), List.of("bogus"), List.of("web", "extra"), List.of("package", "now"))) {
            ProcessBuilder builder = new ProcessBuilder(PROJECT.resolve("bin/fooweb").toString()).redirectErrorStream(true);
            builder.command().addAll(arguments);
            Process launcher = builder.start();
            String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));

            assertEquals(2, launcher.exitValue(), arguments + ": " + output);
            assertEquals(USAGE, output, arguments.toString());
        }
    }

    @Test
    void writesTheClassDataSharingArchiveWithoutWarningsWhenStopped() throws Exception {
        // bin/fooweb records the archive when the first run after a build exits
        Path archive = PROJECT.resolve("target/fooweb.jsa");
        Files.deleteIfExists(archive);
        int managementPort = FreePort.next();
        Path log = Files.createDirectories(PROJECT.resolve("target/it-logs")).resolve("launcher-" + managementPort + ".log");
        ProcessBuilder builder = new ProcessBuilder(PROJECT.resolve("bin/fooweb").toString(), "all")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // a NATS of its own, on a loopback port nothing listens on: bin/fooweb starts a nats-server there for the run
        builder.environment().put("FOOWEB_NATS_SERVERS", "nats://127.0.0.1:" + FreePort.next());
        builder.environment().put("PORT", String.valueOf(FreePort.next()));
        builder.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(managementPort));
        builder.environment().remove("JAVA_OPTS");
        Process launcher = builder.start();
        try {
            Http management = new Http(managementPort);
            await("bin/fooweb all ready; see " + log).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsMatching(e -> e instanceof IllegalStateException && e.getCause() instanceof IOException)
                    .until(() -> {
                        assertTrue(launcher.isAlive(), "bin/fooweb exited; see " + log);
                        return management.get("/observe/health/ready").statusCode() == 200;
                    });

            // what systemd or a terminal's Ctrl-C sends; bin/fooweb passes it on and waits
            launcher.destroy();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "bin/fooweb did not stop; see " + log);
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }

        String output = Files.readString(log);
        assertEquals(143, launcher.exitValue(), output);
        assertTrue(Files.size(archive) > 0, "no class data sharing archive written");
        assertFalse(output.contains("[cds"), "class data sharing warnings on the terminal:\n" + output);
    }
}
