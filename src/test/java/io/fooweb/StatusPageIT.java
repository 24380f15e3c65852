package io.fooweb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fooweb.fixture.Directories;
import io.fooweb.fixture.FoowebProcess;
import io.fooweb.fixture.Load;
import io.fooweb.fixture.NatsServer;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web's status page (/observe/status on the management server) in a real browser, Debian's headless Chromium,
 * while a load runs: its charts draw, its figures change from one read to the next, and a screenshot is kept
 * (target/it-logs/status-page.png; docs/status-page.png is one).
 */
class StatusPageIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Pattern DRAWN = Pattern.compile("data-drawn=\"(\\d+)\"");
    static final Pattern REQUESTS = Pattern.compile("data-requests=\"(\\d+)\"");

    @Test
    void theChartsDrawAndTheFiguresMoveWhileALoadRuns() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (bin/fooweb test installs it)");
        try (NatsServer nats = NatsServer.launch();
                FoowebProcess backend = FoowebProcess.start("backend", nats.url());
                FoowebProcess web = FoowebProcess.start("web", nats.url())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> web.http().postForm("/etc/hostname").statusCode() == 200);
            String page = "http://127.0.0.1:" + web.managementPort() + "/observe/status";
            try (Load load = Load.start(web.httpPort(), 4, 1_000_000, "/etc/hostname")) {
                // a rate needs two samples (one every 2 s)
                String[] first = new String[1];
                await("the charts drew").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> number(DRAWN, first[0] = dom(page)) > 0);
                long requests = number(REQUESTS, first[0]);
                await("the figures move").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> number(REQUESTS, dom(page)) > requests);
                Path screenshot = screenshot(page);

                assertTrue(Files.size(screenshot) > 10_000, "an empty screenshot: " + screenshot);
            }
        }
    }

    private static String dom(String page) throws IOException, InterruptedException {
        return chromium("--virtual-time-budget=3000", "--dump-dom", page);
    }

    private static Path screenshot(String page) throws IOException, InterruptedException {
        Path file = Path.of("target", "it-logs", "status-page.png").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        chromium("--virtual-time-budget=3000", "--window-size=1280,1000", "--screenshot=" + file, page);
        assertTrue(Files.exists(file), "no screenshot written");
        return file;
    }

    /** Headless Chromium as a throwaway user, with nothing of its own on the network. */
    private static String chromium(String... arguments) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("fooweb-chromium-");
        try {
            List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile));
            command.addAll(List.of(arguments));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
            assertEquals(0, process.exitValue(), "chromium failed");
            return output;
        } finally {
            Directories.deleteRecursively(profile);
        }
    }

    private static int number(Pattern pattern, String dom) {
        Matcher matcher = pattern.matcher(dom);
        assertTrue(matcher.find(), pattern + " not in the page:\n" + dom);
        return Integer.parseInt(matcher.group(1));
    }
}
