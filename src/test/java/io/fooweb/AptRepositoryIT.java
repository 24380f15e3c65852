package io.fooweb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fooweb.fixture.Command.Result;
import io.fooweb.fixture.DebFiles;
import io.fooweb.fixture.Directories;
import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.Http;
import io.fooweb.fixture.InstalledFooweb;
import io.fooweb.fixture.IsolatedApt;
import io.fooweb.fixture.NatsServer;
import io.fooweb.fixture.PackageGuard;
import io.fooweb.fixture.Pom;
import io.fooweb.fixture.StaticWebServer;
import io.fooweb.fixture.SystemdStub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static io.fooweb.fixture.Command.PROJECT;
import static io.fooweb.fixture.Command.run;
import static io.fooweb.fixture.PackageGuard.installedVersion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The signed apt repository of {@code bin/fooweb repo}, as a machine that trusts it meets it: real apt, real gpg, the
 * repository on a static web server, and apt pointed at it alone ({@link IsolatedApt}: the machine's sources, lists and
 * keyrings are neither read nor changed). Version A is published; tampered copies of the repository are refused while
 * nothing is installed; A installs and serves; B is published beside it and an upgrade keeps the operator's edit of a
 * conffile that B changed too; a pin rolls back to A. Two versions from one jar: B is the release build of the same
 * jar with a changed default in /etc/fooweb/fooweb.properties, as a real release may bring.
 * <p>
 * Systemd: where it runs, the maintainer scripts try-restart the instances after an upgrade. The machines the tests run
 * on (CI) have none ({@code systemctl is-system-running}: offline, no /run/systemd/system), so apt runs with a
 * {@link SystemdStub}, which records that the scripts asked for that restart; the test then restarts its own service
 * process, as try-restart would a unit. Runs as root on Debian only ({@link PackageGuard}); the steps run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AptRepositoryIT {

    static final Path WORK = PROJECT.resolve("target/apt-it");
    /** The web server's root: the repository and the tampered copies of it. */
    static final Path SERVED = WORK.resolve("served");
    static final Path REPO = SERVED.resolve("fooweb");
    static final Path POOL = REPO.resolve("pool/main/f/fooweb");
    /** The user's copy of the repository's public key, fetched once (Signed-By). */
    static final Path KEYRING = WORK.resolve("fooweb-archive-keyring.gpg");
    static final Path PROPERTIES = Path.of("/etc/fooweb/fooweb.properties");
    static final Path HOSTNAME = Path.of("/etc/hostname");
    static final String CHANGED_IN_B = "\n# version B's new default\nfooweb.request.timeout = 2500\n";
    static final String RESTART = "deb-systemd-invoke try-restart fooweb@*.service";
    /** apt's words when a file's size or checksum is not the one the signed index gives (size: over HTTP, first). */
    static final String CHECKSUM_MISMATCH = "Hash Sum mismatch|File has unexpected size";

    /** Why the steps skip on this machine, or null. */
    static String skip;
    static PackageGuard guard;
    static Path debA;
    static String versionA;
    static String versionB;
    static Path debB;
    static StaticWebServer web;
    static SystemdStub systemd;
    static IsolatedApt apt;
    static Path operatorFiles;
    static NatsServer nats;
    static InstalledFooweb service;
    static int httpPort = FreePort.next();

    @BeforeAll
    static void publishVersionA() throws Exception {
        skip = PackageGuard.whyNot("apt-get", "apt-ftparchive", "gpg", "gpgv", "dpkg-deb", "runuser", "unshare");
        if (skip != null) {
            return;
        }
        guard = PackageGuard.begin();
        Directories.deleteRecursively(WORK);
        Files.createDirectories(SERVED);

        Result publish = run(List.of("bin/fooweb", "repo"), Map.of("FOOWEB_APT_DIR", REPO.toString()), 300);

        assertEquals(0, publish.exit(), publish.output());
        assertTrue(publish.output().contains("signed with a THROWAWAY key"), "no key given, and it did not say so:\n" + publish.output());
        try (Stream<Path> debs = Files.list(POOL)) {
            debA = debs.filter(p -> p.toString().endsWith(".deb")).findFirst().orElseThrow();
        }
        versionA = DebFiles.field(debA, "Version");
        debB = stageVersionB();
        versionB = DebFiles.field(debB, "Version");
        Files.copy(REPO.resolve("fooweb-archive-keyring.gpg"), KEYRING);
        web = StaticWebServer.serve(SERVED);
        systemd = new SystemdStub(WORK.resolve("systemd"));
        apt = new IsolatedApt(WORK.resolve("apt"), web.url(REPO), KEYRING, systemd);
    }

    @BeforeEach
    void runsOnThisMachine() {
        assumeTrue(skip == null, skip);
    }

    @AfterAll
    static void leaveTheMachineAsItWas() throws Exception {
        if (service != null) {
            service.stop();
        }
        if (nats != null) {
            nats.stop();
        }
        if (web != null) {
            web.close();
        }
        if (guard != null) {
            guard.undo();
        }
        if (operatorFiles != null) {
            Directories.deleteRecursively(operatorFiles);
        }
    }

    @Test
    @Order(1)
    void theRepositoryIsSignedAndASnapshotSortsBeforeItsRelease() throws Exception {
        for (String file : List.of("Release", "InRelease", "Release.gpg", "main/binary-all/Packages", "main/binary-all/Packages.gz")) {
            assertTrue(Files.isRegularFile(REPO.resolve("dists/stable/" + file)), file);
        }
        assertEquals(0, run(List.of("gpgv", "--keyring", KEYRING.toString(), REPO.resolve("dists/stable/InRelease").toString()), 30).exit());
        String pom = Pom.version();
        if (pom.endsWith("-SNAPSHOT")) {
            // 1.0.0-SNAPSHOT built from commit d9c552b of 2026-12-01 21:58:45 UTC: 1.0.0~SNAPSHOT+git20261201.215845.d9c552b
            String release = pom.substring(0, pom.length() - "-SNAPSHOT".length());
            assertTrue(versionA.matches(Pattern.quote(release) + "~SNAPSHOT\\+git\\d{8}\\.\\d{6}\\.\\p{XDigit}+"), versionA);
            assertEquals(release, versionB);
        }
        assertEquals(0, run(List.of("dpkg", "--compare-versions", versionA, "lt", versionB), 30).exit(), versionA + " < " + versionB);
    }

    @Test
    @Order(2)
    void aPackagesFileChangedAfterSigningIsRefused() throws Exception {
        // someone swaps the package and writes a Packages file that matches it, but cannot sign a Release for it
        Path copy = DebFiles.copyOfRepository(REPO, SERVED.resolve("packages-changed"));
        Path deb = copy.resolve(REPO.relativize(debA).toString());
        Files.delete(deb);
        Files.copy(debB, deb);
        DebFiles.rewritePackages(copy);

        assertRefused(copy, true, CHECKSUM_MISMATCH);
    }

    @Test
    @Order(3)
    void aReleaseSignedByAnotherKeyIsRefused() throws Exception {
        Path copy = DebFiles.copyOfRepository(REPO, SERVED.resolve("other-key"));
        Path otherKey = DebFiles.newSecretKey(WORK, "someone else <other@fooweb.invalid>");

        Result resign = run(List.of("packaging/deb/repo"), Map.of("FOOWEB_APT_DIR", copy.toString(), "FOOWEB_APT_KEY", otherKey.toString()), 120);

        assertEquals(0, resign.exit(), resign.output());
        assertTrue(resign.output().contains("WARNING: the key changed"), resign.output());
        assertRefused(copy, true, "(?s)NO_PUBKEY .*is not signed");
    }

    @Test
    @Order(4)
    void aDebWhoseChecksumNoLongerMatchesIsRefused() throws Exception {
        Path copy = DebFiles.copyOfRepository(REPO, SERVED.resolve("deb-changed"));
        Path deb = copy.resolve(REPO.relativize(debA).toString());
        Files.delete(deb);
        Files.copy(debB, deb);

        assertRefused(copy, false, CHECKSUM_MISMATCH);
    }

    @Test
    @Order(5)
    void versionAInstallsFromTheRepositoryAndServes() throws Exception {
        Result update = apt.update();
        assertEquals(0, update.exit(), update.output());
        assertEquals(List.of(), update.lines().stream().filter(l -> l.matches("^[WEN]: .*")).toList(), "apt-get update warned");

        Result install = guard.track(apt.aptGet("install", "-y", "fooweb"));

        assertEquals(0, install.exit(), install.output());
        assertEquals(versionA, installedVersion("fooweb"));
        List<String> calls = systemd.takeCalls();
        assertTrue(calls.contains("systemctl --system daemon-reload"), "the install did not reload systemd: " + calls);
        assertTrue(calls.stream().noneMatch(c -> c.contains("try-restart")), "a first install restarts nothing: " + calls);
        nats = NatsServer.launch();
        service = startAll(Map.of("FOOWEB_BACKEND_ROOTS", HOSTNAME.toString()));
        InstalledFooweb.assertServes(new Http(httpPort), HOSTNAME);
    }

    @Test
    @Order(6)
    void anUpgradeToBKeepsTheOperatorsEditAndRestartsTheService() throws Exception {
        operatorFiles = Files.createTempDirectory(Path.of("/var/tmp"), "fooweb-apt-it");
        Files.setPosixFilePermissions(operatorFiles, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path served = Files.writeString(operatorFiles.resolve("served.txt"), "the operator's file\n");
        Files.writeString(PROPERTIES, Files.readString(PROPERTIES) + "\n# the operator's\nfooweb.backend.roots = " + operatorFiles + "\n");
        String edited = Files.readString(PROPERTIES);
        Result publish = run(List.of("packaging/deb/repo", debB.toString()), Map.of("FOOWEB_APT_DIR", REPO.toString()), 120);
        assertEquals(0, publish.exit(), publish.output());
        assertEquals(0, apt.update().exit());
        // both versions in the pool and the index: A stays for a rollback
        assertEquals(Set.of(versionA, versionB), apt.aptCache("madison", "fooweb").lines().stream()
                .map(l -> l.split("\\s*\\|\\s*")[1]).collect(Collectors.toSet()));

        Result upgrade = guard.track(apt.aptGet("install", "--only-upgrade", "-y", "-o", "Dpkg::Options::=--force-confold", "fooweb"));

        assertEquals(0, upgrade.exit(), upgrade.output());
        assertEquals(versionB, installedVersion("fooweb"));
        // the case --force-confold is for: the operator and the package both changed the file
        assertTrue(upgrade.output().contains("Using current old file as you requested"), upgrade.output());
        assertEquals(edited, Files.readString(PROPERTIES));
        assertTrue(Files.readString(Path.of(PROPERTIES + ".dpkg-dist")).endsWith(CHANGED_IN_B), "B's conffile beside the operator's");
        assertTrue(systemd.takeCalls().contains(RESTART), "the upgrade did not ask systemd to restart the instances");
        // no systemd restarts the test's own process: it still runs A's code, and the test restarts it as try-restart would
        assertTrue(service.isAlive(), "the upgrade stopped the service");
        service.stop();
        service = startAll(Map.of());
        InstalledFooweb.assertServes(new Http(httpPort), served);
        assertEquals(403, new Http(httpPort).postForm(HOSTNAME.toString()).statusCode(), "the operator's roots replace the defaults");
    }

    @Test
    @Order(7)
    void aPinRollsBackToAAndHoldsIt() throws Exception {
        String edited = Files.readString(PROPERTIES);
        apt.pin(versionA);

        Result rollback = guard.track(apt.aptGet("install", "-y", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confold", "fooweb"));

        assertEquals(0, rollback.exit(), rollback.output());
        assertEquals(versionA, installedVersion("fooweb"));
        assertEquals(edited, Files.readString(PROPERTIES));
        assertTrue(systemd.takeCalls().contains(RESTART), "the rollback did not ask systemd to restart the instances");
        Result upgrade = apt.aptGet("install", "--only-upgrade", "-y", "fooweb");
        assertEquals(0, upgrade.exit(), upgrade.output());
        assertEquals(versionA, installedVersion("fooweb"), "the pin did not hold");
        // A's package served in step 5; the jar is the same, so no third start here (it costs 10-20 s)
    }

    // --- helpers ---

    private static InstalledFooweb startAll(Map<String, String> settings) throws Exception {
        Map<String, String> env = new HashMap<>(settings);
        env.put("FOOWEB_NATS_SERVERS", nats.url());
        return InstalledFooweb.start("all", env, FreePort.next(), httpPort);
    }

    /**
     * apt-get update, then install, as a machine with the user's keyring (and lists of its own) meets this copy: apt
     * refuses the index (update fails) or the package (install fails), saying {@code expected}, and installs nothing.
     */
    private static void assertRefused(Path copy, boolean index, String expected) throws Exception {
        Path state = WORK.resolve("apt-" + copy.getFileName());
        Directories.deleteRecursively(state);
        IsolatedApt user = new IsolatedApt(state, web.url(copy), KEYRING, systemd);
        Result update = user.update();
        Result install = guard.track(user.aptGet("install", "-y", "fooweb"));

        assertEquals(index, update.exit() != 0, update.output());
        Result refusal = index ? update : install;
        assertTrue(Pattern.compile(expected).matcher(refusal.output()).find(), "apt did not say " + expected + ":\n" + refusal.output());
        assertNotEquals(0, install.exit(), install.output());
        assertEquals("", installedVersion("fooweb"), "fooweb got installed");
    }

    /**
     * Version B: the release build of the jar that A came from (or a later version, if the pom is a release already),
     * with a default in /etc/fooweb/fooweb.properties that changed, as a release may bring.
     */
    private static Path stageVersionB() throws Exception {
        String release = run(List.of("packaging/deb/build", "--release", "--print-version"), 60).output();
        List<String> version = release.equals(versionA) ? List.of("--version", versionA + "+1") : List.of("--release");
        List<String> command = new ArrayList<>(List.of("bin/fooweb", "package"));
        command.addAll(version);
        Result build = run(command, 300);
        assertEquals(0, build.exit(), build.output());
        Path built = PROJECT.resolve(build.output().lines().reduce((a, b) -> b).orElseThrow().replaceAll(" \\(.*", ""));
        return DebFiles.withAppended(built, "etc/fooweb/fooweb.properties", CHANGED_IN_B, WORK);
    }
}
