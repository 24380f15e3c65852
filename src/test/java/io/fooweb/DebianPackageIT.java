package io.fooweb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fooweb.fixture.CamelJBang;
import io.fooweb.fixture.Command.Result;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.InstalledFooweb;
import io.fooweb.fixture.JvmOptions;
import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.PackageGuard;
import io.fooweb.fixture.PrometheusKit;
import io.fooweb.fixture.PrometheusServer;
import io.fooweb.fixture.SystemdUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static io.fooweb.fixture.Command.onPath;
import static io.fooweb.fixture.Command.run;
import static io.fooweb.fixture.Command.runUnchecked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package, its whole life on this machine: {@code bin/fooweb package} builds it, lintian accepts it,
 * {@code apt-get install ./target/fooweb_*.deb} installs it, {@code /usr/bin/fooweb} serves in every role as the
 * fooweb user with the logging of /etc/fooweb/log4j2.properties, Camel JBang's CLI sees the running service, and
 * {@code apt-get purge} leaves nothing of it.
 * <p>
 * It installs into the real system, so it runs only as root on Debian (CI), and it skips when the machine has a fooweb
 * package of its own ({@link PackageGuard}); at the end it purges what it installed, and only that. The steps run in
 * order. AptRepositoryIT installs from the signed repository and upgrades.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageIT {

    static final Path PROJECT = Path.of("").toAbsolutePath();
    static final Path INSTALLED_UNIT = Path.of("/lib/systemd/system/fooweb@.service");
    static final Path LAUNCHER = InstalledFooweb.LAUNCHER;
    static final Path HOME = InstalledFooweb.HOME;
    static final Path PROPERTIES = Path.of("/etc/fooweb/fooweb.properties");
    static final Path LOGGING = Path.of("/etc/fooweb/log4j2.properties");
    static final Path HOSTNAME = Path.of("/etc/hostname");
    /** The request log's line for a POST /req of /etc/hostname (io.fooweb.access, the jar's pattern). */
    static final String REQUEST_LOGGED = "access - id=";
    /** An operator's edit of /etc/fooweb/log4j2.properties: the last value of a key wins. */
    static final String LOGGING_EDIT = "appender.out.layout.pattern = [edited] %c{1} - %msg%n\nlogger.access.level = OFF\n";
    /** What the package owns alone: none of it may be left after a purge. */
    static final List<Path> PACKAGE_DIRECTORIES = List.of(Path.of("/usr/share/fooweb"), Path.of("/usr/share/doc/fooweb"),
            Path.of("/etc/fooweb"), HOME);

    /** Why the steps skip on this machine, or null. */
    static String skip;
    static PackageGuard guard;
    static Path deb;
    static List<Path> installedFiles = List.of();
    static NatsServer nats;
    static final List<InstalledFooweb> services = new ArrayList<>();

    @BeforeAll
    static void buildThePackage() throws Exception {
        skip = PackageGuard.whyNot("apt-get", "dpkg-deb", "runuser");
        if (skip != null) {
            return;
        }
        guard = PackageGuard.begin();

        Result build = run(List.of("bin/fooweb", "package"), 300);

        assertEquals(0, build.exit(), build.output());
        try (Stream<Path> files = Files.list(PROJECT.resolve("target"))) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("fooweb_.+_all\\.deb")).toList();
            assertEquals(1, debs.size(), "target/ holds " + debs);
            deb = debs.get(0);
        }
        assertTrue(build.output().contains(deb.getFileName().toString()), build.output());
    }

    @BeforeEach
    void runsOnThisMachine() {
        assumeTrue(skip == null, skip);
    }

    @AfterAll
    static void leaveTheMachineAsItWas() throws Exception {
        stopServices();
        if (nats != null) {
            nats.stop();
        }
        if (guard != null) {
            guard.undo();
        }
    }

    @Test
    @Order(1)
    void holdsTheServiceItsUnitAndConffiles() throws Exception {
        Map<String, String> modes = new LinkedHashMap<>();
        // "-rw-r--r-- root/root 962 2026-12-01 19:52 ./etc/fooweb/fooweb.properties"
        for (String line : run(List.of("dpkg-deb", "--contents", deb.toString()), 60).lines()) {
            String[] fields = line.split("\\s+", 6);
            assertEquals("root/root", fields[1], line);
            modes.put(fields[5].substring(1), fields[0]);
        }
        Map<String, String> expected = Map.ofEntries(Map.entry("/etc/fooweb/log4j2.properties", "-rw-r--r--"),
                Map.entry("/usr/bin/fooweb", "-rwxr-xr-x"),
                Map.entry("/usr/share/fooweb/fooweb.jar", "-rw-r--r--"),
                Map.entry("/usr/share/fooweb/jvm.options", "-rw-r--r--"),
                Map.entry("/lib/systemd/system/fooweb@.service", "-rw-r--r--"),
                Map.entry("/usr/lib/sysusers.d/fooweb.conf", "-rw-r--r--"),
                Map.entry("/etc/fooweb/fooweb.env", "-rw-------"),
                Map.entry("/etc/fooweb/fooweb.properties", "-rw-r--r--"),
                Map.entry("/usr/share/doc/fooweb/examples/nats-server.conf", "-rw-r--r--"),
                Map.entry("/usr/share/doc/fooweb/copyright", "-rw-r--r--"),
                Map.entry("/usr/share/man/man1/fooweb.1.gz", "-rw-r--r--"));
        expected.forEach((path, mode) -> assertEquals(mode, modes.get(path), path));
        // the Prometheus kit, exactly deploy/prometheus/'s files
        Set<String> kit = modes.keySet().stream().filter(p -> p.startsWith("/usr/share/fooweb/prometheus/") && !p.endsWith("/")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(PrometheusKit.FILES.stream().map(f -> "/usr/share/fooweb/prometheus/" + f.getFileName()).collect(Collectors.toCollection(TreeSet::new)), kit);
        kit.forEach(path -> assertEquals("-rw-r--r--", modes.get(path), path));

        // the jar and exactly the dependencies its manifest names
        Set<String> libraries = modes.keySet().stream().filter(p -> p.matches("/usr/share/fooweb/lib/[^/]+"))
                .map(p -> p.substring("/usr/share/fooweb/".length())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(classPath(PROJECT.resolve("target/fooweb.jar"))), libraries);
        // a library the Camel CLI needs to see the process
        assertTrue(libraries.stream().anyMatch(l -> l.startsWith("lib/camel-cli-connector-")), "no camel-cli-connector in " + libraries);

        assertEquals(List.of("/etc/fooweb/fooweb.env", "/etc/fooweb/fooweb.properties", "/etc/fooweb/log4j2.properties"),
                run(List.of("dpkg-deb", "--info", deb.toString(), "conffiles"), 60).lines());
        // the logging configuration is the jar's own, under a header
        String logging = run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -xO ./etc/fooweb/log4j2.properties", deb.toString()), 60).output();
        assertTrue(logging.startsWith("# /etc/fooweb/log4j2.properties: "), logging);
        assertTrue(logging.endsWith(Files.readString(PROJECT.resolve("src/main/resources/log4j2.properties")).strip()), logging);
        assertEquals("all", field("Architecture"));
        assertTrue(field("Depends").startsWith("openjdk-17-jre-headless | java17-runtime-headless"), field("Depends"));
    }

    @Test
    @Order(2)
    void lintianFindsNoErrorAndEveryWarningIsExplained() throws Exception {
        assumeTrue(onPath("lintian"), "lintian is not installed (bin/fooweb test installs it): apt-get install lintian");

        Result lintian = run(List.of("lintian", "--show-overrides", "--pedantic", deb.toString()), 300);

        List<String> findings = lintian.lines().stream().filter(l -> l.matches("^[EWIPXO]: .*")).toList();
        assertTrue(findings.stream().noneMatch(l -> l.startsWith("E: ")), "lintian errors:\n" + lintian.output());
        // each warning, overridden or not, has its reason in docs/packaging.md
        String docs = Files.readString(PROJECT.resolve("docs/packaging.md"));
        for (String finding : findings) {
            if (finding.startsWith("W: ") || finding.startsWith("O: ")) {
                String tag = finding.split("\\s+")[2];
                assertTrue(docs.contains("`" + tag + "`"), "lintian's " + tag + " is not explained in docs/packaging.md: " + finding);
            }
        }
    }

    @Test
    @Order(3)
    void installsWithAptCreatingTheUserAndEnablingNothing() throws Exception {
        Result install = guard.track(run(List.of("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=120", "./" + PROJECT.relativize(deb)), 300));

        assertEquals(0, install.exit(), install.output());
        assertEquals("install ok installed", run(List.of("dpkg-query", "-W", "-f=${Status}", "fooweb"), 30).output());
        installedFiles = run(List.of("dpkg", "-L", "fooweb"), 30).lines().stream().map(Path::of).toList();
        assertTrue(installedFiles.contains(LAUNCHER), "dpkg -L fooweb: " + installedFiles);

        String passwd = run(List.of("getent", "passwd", "fooweb"), 30).output();
        assertTrue(passwd.matches("fooweb:x:\\d+:\\d+:[^:]*:/var/lib/fooweb:/usr/sbin/nologin"), passwd);
        assertEquals("fooweb", Files.getOwner(HOME).getName());
        assertEquals(List.of(), enabledInstances(), "the package enabled an instance");
        // the installed Prometheus kit is whole: its unit tests pass where it lies
        if (PrometheusServer.promtool() != null) {
            Result kit = run(List.of(PrometheusServer.promtool(), "test", "rules", "/usr/share/fooweb/prometheus/fooweb-alerts.test.yml"), 120);
            assertEquals(0, kit.exit(), kit.output());
        }
        // the configuration names the package's paths, not the /opt/fooweb of a manual install
        for (Path file : List.of(Path.of("/etc/fooweb/fooweb.env"), PROPERTIES, INSTALLED_UNIT)) {
            assertFalse(Files.readString(file).contains("/opt/fooweb"), file + " names /opt/fooweb");
        }
    }

    @Test
    @Order(4)
    void theUnitRunsTheInstalledLauncher() throws Exception {
        SystemdUnit installed = SystemdUnit.read(INSTALLED_UNIT);
        SystemdUnit deploy = SystemdUnit.read(DeployUnitTest.UNIT_FILE);

        assertEquals("/usr/bin/fooweb %i", installed.one("Service.ExecStart"));
        assertTrue(Files.isExecutable(LAUNCHER));
        assertEquals(HOME.toString(), installed.one("Service.WorkingDirectory"));
        // the JVM options are the launcher's (jvm.options), not a copy in the unit
        assertNull(installed.environment("JAVA_OPTS"));
        // the rest is deploy/'s unit as it stands: user, environment files, shutdown, sandbox
        for (String key : List.of("Service.User", "Service.Group", "Service.StateDirectory", "Service.EnvironmentFile",
                "Service.KillSignal", "Service.TimeoutStopSec", "Service.SuccessExitStatus", "Service.ProtectSystem",
                "Service.ProtectHome", "Service.PrivateTmp", "Service.CapabilityBoundingSet", "Install.WantedBy")) {
            assertEquals(deploy.all(key), installed.all(key), key);
        }
        assertTrue(run(List.of("getent", "passwd", installed.one("Service.User")), 30).output().contains(":" + HOME + ":"));

        Result usage = run(List.of(LAUNCHER.toString(), "--help"), 30);
        assertEquals(2, usage.exit());
        assertEquals("Usage: fooweb [web|backend|all]   (see man fooweb)", usage.output());

        if (onPath("systemd-analyze")) {
            Result verdict = run(List.of("systemd-analyze", "verify", "fooweb@web.service", "fooweb@backend.service", "fooweb@all.service"), 60);
            // it exits 0 even when it ignores a line it cannot parse: any output is a finding
            assertEquals(new Result(0, ""), verdict);
            // and it would see a command line that is not there
            Path wrong = Files.createTempDirectory("fooweb-unit").resolve("fooweb-wrong@.service");
            Files.writeString(wrong, Files.readString(INSTALLED_UNIT).replace("ExecStart=/usr/bin/fooweb ", "ExecStart=/usr/bin/fooweb-missing "));
            Path instance = Files.createSymbolicLink(wrong.resolveSibling("fooweb-wrong@web.service"), wrong.getFileName());
            assertTrue(run(List.of("systemd-analyze", "verify", instance.toString()), 60).output().contains("/usr/bin/fooweb-missing"));
        }
    }

    @Test
    @Order(5)
    void everyRoleServesFromTheInstalledLauncherWithItsJvmOptionsAndLogging() throws Exception {
        nats = NatsServer.launch();
        Map<String, String> natsEnv = Map.of("FOOWEB_NATS_SERVERS", nats.url(), "FOOWEB_BACKEND_ROOTS", HOSTNAME.toString());

        // web and backend, two processes, with the packaged logging: the web writes the request log
        int webPort = FreePort.next();
        InstalledFooweb backend = start("backend", natsEnv, null);
        InstalledFooweb web = start("web", natsEnv, webPort);
        InstalledFooweb.assertServes(new Http(webPort), HOSTNAME);
        List<String> commandLine = web.commandLine();
        assertEquals(JvmOptions.list(), commandLine.subList(1, 1 + JvmOptions.list().size()));
        assertTrue(commandLine.contains("-Dlog4j2.configurationFile=" + LOGGING), commandLine.toString());
        web.stop();
        backend.stop();
        assertTrue(web.output().contains(REQUEST_LOGGED), "no request log line in " + web.log());

        // all, with its HTTP port from /etc/fooweb/fooweb.properties (no PORT in the environment): the override is read;
        // and the operator's logging: another pattern, and no request log (checked once the process ends)
        int allPort = FreePort.next();
        Files.writeString(PROPERTIES, Files.readString(PROPERTIES) + "\ncamel.server.port = " + allPort + "\n");
        Files.writeString(LOGGING, Files.readString(LOGGING) + "\n" + LOGGING_EDIT);
        InstalledFooweb all = start("all", natsEnv, null);
        InstalledFooweb.assertServes(new Http(allPort), HOSTNAME);
        assertTrue(all.output().lines().anyMatch(l -> l.startsWith("[edited] ")), "the edited pattern is not in " + all.log());
    }

    @Test
    @Order(6)
    void camelsCliListsTheServiceAndItsRoutes() throws Exception {
        InstalledFooweb all = services.get(services.size() - 1);
        assertTrue(all.isAlive(), "the all role of the previous step is not running");
        String pid = String.valueOf(all.java().pid());
        // camel-cli-connector writes to the service user's home (~/.camel); the CLI reads its own user's home
        List<String> cli = CamelJBang.command(List.of("-Duser.home=" + HOME));

        CompletableFuture<Result> ps = CompletableFuture.supplyAsync(() -> runUnchecked(plus(cli, "ps"), 180));
        CompletableFuture<Result> routes = CompletableFuture.supplyAsync(() -> runUnchecked(plus(cli, "get", "route"), 180));

        List<String> processes = linesOf(ps.get(), pid);
        assertEquals(1, processes.size(), "camel ps:\n" + ps.get().output());
        assertTrue(processes.get(0).matches("\\s*" + pid + "\\s+fooweb\\s+1/1\\s+Running\\b.*"), processes.get(0));
        List<String> listed = linesOf(routes.get(), pid);
        for (String id : routeIds()) {
            assertTrue(listed.stream().anyMatch(l -> l.matches("\\s*" + pid + "\\s+fooweb\\s+" + Pattern.quote(id) + "\\s.*\\bStarted\\b.*")),
                    "camel get route does not list " + id + ":\n" + routes.get().output());
        }
    }

    @Test
    @Order(7)
    void purgeLeavesNothingOfThePackage() throws Exception {
        InstalledFooweb all = services.get(services.size() - 1);
        stopServices();
        assertFalse(all.output().contains(REQUEST_LOGGED), "/etc/fooweb/log4j2.properties turned the request log off, yet " + all.log() + " has it");
        assertFalse(installedFiles.isEmpty(), "the install step did not run");
        if (onPath("systemctl")) {
            // an instance the administrator enabled goes too
            Result enable = run(List.of("systemctl", "enable", "fooweb@web.service"), 60);
            assertEquals(0, enable.exit(), enable.output());
            assertEquals(List.of("fooweb@web.service"), enabledInstances());
        }

        Result purge = run(List.of("apt-get", "purge", "-y", "-o", "DPkg::Lock::Timeout=120", "fooweb"), 300);

        assertEquals(0, purge.exit(), purge.output());
        assertEquals("", PackageGuard.dpkgStatus("fooweb").strip().replaceFirst("^un$", ""), "fooweb is still known to dpkg");
        List<Path> left = installedFiles.stream().filter(p -> !Files.isDirectory(p) && Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
        assertEquals(List.of(), left, "files of the package left after the purge");
        assertEquals(List.of(), PACKAGE_DIRECTORIES.stream().filter(Files::exists).toList(), "directories left after the purge");
        assertEquals(List.of(), enabledInstances(), "enabled instances left after the purge");
    }

    // --- helpers ---

    private static InstalledFooweb start(String role, Map<String, String> env, Integer httpPort) throws IOException {
        InstalledFooweb service = InstalledFooweb.start(role, env, FreePort.next(), httpPort);
        services.add(service);
        return service;
    }

    private static void stopServices() throws InterruptedException {
        for (InstalledFooweb service : services) {
            service.stop();
        }
    }

    /** Ids of the routes in routes/*.camel.yaml ({@code - route:} then {@code id:}). */
    private static List<String> routeIds() throws IOException {
        List<String> ids = new ArrayList<>();
        Pattern route = Pattern.compile("(?m)^- route:\\s*\\n\\s+id:\\s*(\\S+)");
        try (Stream<Path> files = Files.list(PROJECT.resolve("routes"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                Matcher m = route.matcher(Files.readString(file));
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        assertFalse(ids.isEmpty(), "no route ids in routes/");
        return ids;
    }

    private static List<String> linesOf(Result result, String pid) {
        assertEquals(0, result.exit(), result.output());
        return result.lines().stream().filter(l -> l.strip().startsWith(pid + " ")).toList();
    }

    private static List<String> classPath(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return Arrays.asList(file.getManifest().getMainAttributes().getValue("Class-Path").trim().split("\\s+"));
        }
    }

    private static String field(String name) throws Exception {
        return run(List.of("dpkg-deb", "--field", deb.toString(), name), 30).output();
    }

    /** Instances enabled by a symlink under /etc/systemd/system (systemctl enable makes one). */
    private static List<String> enabledInstances() throws IOException {
        Path etc = Path.of("/etc/systemd/system");
        if (!Files.isDirectory(etc)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(etc)) {
            return files.filter(Files::isSymbolicLink).map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("fooweb@")).sorted().toList();
        }
    }

    private static List<String> plus(List<String> command, String... args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(args));
        return all;
    }
}
