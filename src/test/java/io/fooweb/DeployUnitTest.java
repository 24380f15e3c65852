package io.fooweb;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fooweb.fixture.JvmOptions;
import io.fooweb.fixture.SystemdUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The systemd packaging in deploy/: the unit's required settings, checked against the files that hold the truth
 * (application.properties for the shutdown timeout, deploy/jvm.options for the JVM options), and, where the tools are
 * installed, systemd's own verdict on the unit and the sysusers file.
 */
class DeployUnitTest {

    static final Path UNIT_FILE = Path.of("deploy", "fooweb@.service");
    static final Path SYSUSERS = Path.of("deploy", "fooweb.sysusers.conf");
    static final Path ENV_FILE = Path.of("deploy", "fooweb.env");
    static final String JAR = "/opt/fooweb/fooweb.jar";

    final SystemdUnit unit = SystemdUnit.read(UNIT_FILE);

    /** The JVM options of bin/fooweb and the package's launcher: deploy/jvm.options without its comments. */
    static String launcherJavaOpts() throws IOException {
        return JvmOptions.defaults();
    }

    static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (FileInputStream in = new FileInputStream("application.properties")) {
            properties.load(in);
        }
        return properties;
    }

    /** systemd time span in seconds: "40", "40s", "1min", "1min 30s". */
    static long seconds(String span) {
        long total = 0;
        Matcher m = Pattern.compile("(\\d+)\\s*(min|s)?").matcher(span);
        int end = 0;
        while (m.find()) {
            assertEquals(end, m.start(), "unsupported time span: " + span);
            total += Long.parseLong(m.group(1)) * ("min".equals(m.group(2)) ? 60 : 1);
            end = m.end();
            while (end < span.length() && span.charAt(end) == ' ') {
                end++;
            }
        }
        assertEquals(span.length(), end, "unsupported time span: " + span);
        return total;
    }

    @Test
    void stopsGracefullyWithinTheDrainTime() throws IOException {
        long shutdownTimeout = Long.parseLong(applicationProperties().getProperty("camel.main.shutdownTimeout").trim());

        assertEquals("SIGTERM", unit.one("Service.KillSignal"));
        // GracefulShutdown waits up to shutdownTimeout for in-flight HTTP, up to shutdownTimeout (+1 s) for the NATS
        // drain, and Camel then stops what is left within shutdownTimeout: SIGKILL must come only after all three
        long timeoutStop = seconds(unit.one("Service.TimeoutStopSec"));
        assertTrue(timeoutStop > 2 * shutdownTimeout, "TimeoutStopSec " + timeoutStop + " s");
        assertTrue(timeoutStop > 3 * shutdownTimeout + 1, "TimeoutStopSec " + timeoutStop + " s");
        // a JVM stopped by SIGTERM exits with 143 (DeployLayoutIT checks that): a clean stop, not a failure
        assertTrue(Arrays.asList(unit.one("Service.SuccessExitStatus").split("\\s+")).contains("143"));
        assertEquals("on-failure", unit.one("Service.Restart"));
    }

    @Test
    void runsTheJarWithTheRoleAsInstanceName() {
        List<String> exec = Arrays.asList(unit.one("Service.ExecStart").split("\\s+"));

        assertTrue(exec.get(0).startsWith("/") && exec.get(0).endsWith("/java"), "ExecStart runs " + exec.get(0));
        // $JAVA_OPTS unbraced: systemd splits it into one argument per option (${JAVA_OPTS} would be one argument)
        assertEquals(List.of("$JAVA_OPTS", "-jar", JAR, "%i"), exec.subList(1, exec.size()));
        // the jar's manifest names its dependencies lib/*.jar relative to the jar (checked in DeployLayoutIT)
        assertEquals("/opt/fooweb", unit.one("Service.WorkingDirectory"));
    }

    @Test
    void jvmOptionsDefaultToTheLaunchers() throws IOException {
        assertEquals(launcherJavaOpts(), unit.environment("JAVA_OPTS"));
    }

    @Test
    void readsSettingsFromEtcFooweb() {
        List<String> files = unit.all("Service.EnvironmentFile");
        assertTrue(files.contains("-/etc/fooweb/fooweb.env"), "EnvironmentFile " + files);
        // all optional (leading '-'), the per-role file after the shared one so that it wins
        assertTrue(files.stream().allMatch(f -> f.startsWith("-")), "EnvironmentFile " + files);
        assertEquals(List.of("-/etc/fooweb/fooweb.env", "-/etc/fooweb/%i.env"), files);
    }

    @Test
    void runsAsTheDedicatedUserInASandbox() throws IOException {
        String user = unit.one("Service.User");
        assertNotEquals("root", user);
        assertTrue(sysusersLine().startsWith("u " + user + " "), "sysusers file does not create " + user);
        assertEquals(user, unit.one("Service.Group"));
        // the user's home, where camel-cli-connector writes: systemd creates it, writable despite ProtectSystem
        assertEquals("fooweb", unit.one("Service.StateDirectory"));
        assertTrue(sysusersLine().contains(" /var/lib/fooweb "), sysusersLine());

        assertEquals("yes", unit.one("Service.NoNewPrivileges"));
        assertEquals("strict", unit.one("Service.ProtectSystem"));
        assertEquals("yes", unit.one("Service.ProtectHome"));
        // every form POST creates camel-platform-http's upload directory under /tmp/camel: a /tmp of its own
        assertEquals("yes", unit.one("Service.PrivateTmp"));
        assertEquals("", unit.one("Service.CapabilityBoundingSet"));
        // the JIT compiler needs memory that is writable and executable
        assertFalse(unit.has("Service.MemoryDenyWriteExecute"), "MemoryDenyWriteExecute breaks the JVM");
    }

    @Test
    void environmentFileExamplesNameRealSettings() throws IOException {
        Properties properties = applicationProperties();
        String propertiesText = Files.readString(Path.of("application.properties"));
        Pattern example = Pattern.compile("^#([A-Z][A-Z0-9_]*)=.*");
        List<String> keys = new ArrayList<>();
        for (String line : Files.readAllLines(ENV_FILE)) {
            Matcher m = example.matcher(line);
            if (m.matches()) {
                keys.add(m.group(1));
            }
        }
        assertTrue(keys.containsAll(List.of("FOOWEB_NATS_SERVERS", "PORT", "FOOWEB_BACKEND_ROOTS", "JAVA_OPTS")), "examples " + keys);
        for (String key : keys) {
            boolean property = properties.stringPropertyNames().stream()
                    .anyMatch(p -> p.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_').equals(key));
            boolean placeholder = propertiesText.contains("{{env:" + key + ":");
            boolean unitVariable = unit.one("Service.ExecStart").contains("$" + key);
            assertTrue(property || placeholder || unitVariable, key + " in " + ENV_FILE + " is no setting of fooweb");
        }
    }

    @Test
    void systemdAcceptsTheUnit(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        String java = unit.one("Service.ExecStart").split("\\s+")[0];
        assumeTrue(Files.isExecutable(Path.of(java)), "systemd-analyze verify checks that " + java + " exists");

        Path template = Files.copy(UNIT_FILE, dir.resolve(UNIT_FILE.getFileName()));
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", template.toString()));
        for (String role : List.of("web", "backend", "all")) {
            command.add(Files.createSymbolicLink(dir.resolve("fooweb@" + role + ".service"), template.getFileName()).toString());
        }
        Result verdict = run(command);
        // systemd-analyze verify exits 0 even when it ignores a line it cannot parse: any output is a finding
        assertEquals(new Result(0, ""), verdict);

        // and it does find what we would get wrong
        Path broken = dir.resolve("broken@.service");
        Files.writeString(broken, Files.readString(template).replace("KillSignal=SIGTERM", "KillSignal=SIGTREM"));
        assertTrue(run(List.of("systemd-analyze", "verify", broken.toString())).output().contains("SIGTREM"));
    }

    @Test
    void sysusersCreatesTheUser(@TempDir Path root) throws Exception {
        assumeTrue(onPath("systemd-sysusers"), "systemd-sysusers is not installed");
        // installed where docs/deploy.md puts it, in a scratch root instead of /
        Files.copy(SYSUSERS, Files.createDirectories(root.resolve("etc/sysusers.d")).resolve("fooweb.conf"));

        Result result = run(List.of("systemd-sysusers", "--root=" + root));

        assertEquals(0, result.exit(), result.output());
        String user = unit.one("Service.User");
        String passwd = Files.readString(root.resolve("etc/passwd"));
        assertTrue(Pattern.compile("(?m)^" + user + ":x:\\d+:\\d+:[^:]*:/var/lib/fooweb:/usr/sbin/nologin$").matcher(passwd).find(), passwd);
        assertTrue(Files.readString(root.resolve("etc/group")).startsWith(unit.one("Service.Group") + ":x:"));
    }

    private static String sysusersLine() throws IOException {
        return Files.readAllLines(SYSUSERS).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElse("");
    }

    record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        return new Result(process.exitValue(), output.strip());
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
