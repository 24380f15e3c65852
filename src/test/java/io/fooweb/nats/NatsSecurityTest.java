package io.fooweb.nats;

import io.fooweb.FoowebMain;

import java.util.List;

import io.fooweb.fixture.FreePort;
import io.fooweb.fixture.TestCertificates;
import io.nats.client.Options;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of the NATS security settings that hold before any connection: what is refused at startup (naming the
 * setting, never repeating a secret) and what the log line shows. The tests against real servers are NatsTokenTest,
 * NatsUserPasswordTest, NatsCredsTest, NatsTlsTest and LeastPrivilegeIT.
 */
class NatsSecurityTest {

    @BeforeAll
    static void certificates() {
        TestCertificates.generateWithServerConfig();
    }

    private static NatsSecurity security(String token, String user, String password, String creds) {
        return new NatsSecurity(token, user, password, creds, "", "", "", "");
    }

    private static NatsSecurity tls(String truststore, String truststorePassword, String keystore, String keystorePassword) {
        return new NatsSecurity("", "", "", "", truststore, truststorePassword, keystore, keystorePassword);
    }

    @Test
    void credentialsInAServerUrlAreRefusedWithoutRepeatingThem() {
        for (String servers : List.of("nats://fooweb:hunter2@127.0.0.1:4222", "nats://127.0.0.1:4222, tls://hunter2@nats.example:4222",
                "fooweb:hunter2@127.0.0.1:4222")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> NatsOptions.serverUrls(servers));
            assertTrue(refused.getMessage().contains("fooweb.nats.servers"), refused.getMessage());
            assertFalse(refused.getMessage().contains("hunter2"), refused.getMessage());
        }
        assertArrayEquals(new String[] { "nats://a:4222", "tls://b:4222" }, NatsOptions.serverUrls(" nats://a:4222, tls://b:4222 ,"));
    }

    @Test
    void emptySettingsLeaveTheConnectionAnonymousAndPlain() {
        Options options = NatsSecurity.NONE.applyTo(new Options.Builder()).build();

        assertNull(options.getAuthHandler());
        assertNull(options.getTokenChars());
        assertNull(options.getUsernameChars());
        assertNull(options.getSslContext());
        assertEquals(NatsSecurity.NONE, security(" ", "", "", null));
    }

    @Test
    void eachSettingReachesTheOptions() {
        assertArrayEquals("t0ken".toCharArray(), security("t0ken", "", "", "").applyTo(new Options.Builder()).build().getTokenChars());
        Options user = security("", "web", "s3cret", "").applyTo(new Options.Builder()).build();
        assertArrayEquals("web".toCharArray(), user.getUsernameChars());
        assertArrayEquals("s3cret".toCharArray(), user.getPasswordChars());
        assertNotNull(tls(TestCertificates.CA_PEM, "", "", "").applyTo(new Options.Builder()).build().getSslContext());
    }

    @Test
    void onlyOneWayToAuthenticate() {
        assertRefused("Set only one of", () -> security("t0ken", "web", "s3cret", ""));
        assertRefused("Set only one of", () -> security("t0ken", "", "", TestCertificates.CA_PEM));
        assertRefused("Set only one of", () -> security("", "web", "s3cret", TestCertificates.CA_PEM));
    }

    @Test
    void userAndPasswordGoTogether() {
        assertRefused("fooweb.nats.user and fooweb.nats.password", () -> security("", "web", "", ""));
        assertRefused("fooweb.nats.user and fooweb.nats.password", () -> security("", "", "s3cret", ""));
    }

    @Test
    void unreadableFilesAreRefusedNamingTheSetting() {
        assertRefused("fooweb.nats.creds", () -> security("", "", "", "target/no-such.creds"));
        assertRefused("fooweb.nats.tls.truststore", () -> tls("target/no-such-ca.pem", "", "", ""));
        assertRefused("fooweb.nats.tls.keystore", () -> tls("", "", "target/no-such.p12", ""));
    }

    @Test
    void aWrongStorePasswordIsRefusedWithoutRepeatingIt() {
        NatsSecurity wrongKeystorePassword = tls(TestCertificates.CA_PEM, "", TestCertificates.CLIENT_KEYSTORE, "Wr0ng-pass");
        NatsSecurity wrongTruststorePassword = tls(TestCertificates.CA_TRUSTSTORE, "Wr0ng-pass", "", "");

        String keystore = assertRefused("fooweb.nats.tls.keystore", () -> wrongKeystorePassword.applyTo(new Options.Builder()));
        String truststore = assertRefused("fooweb.nats.tls.truststore", () -> wrongTruststorePassword.applyTo(new Options.Builder()));

        assertFalse(keystore.contains("Wr0ng-pass") || truststore.contains("Wr0ng-pass"));
    }

    @Test
    void theDescriptionNamesMechanismsAndFilesButNoSecret() {
        assertEquals("token", security("t0ken", "", "", "").toString());
        assertEquals("user and password", security("", "web-user", "s3cret", "").toString());
        assertEquals("no authentication, TLS trusting the CA in " + TestCertificates.CA_TRUSTSTORE + ", client certificate from "
                + TestCertificates.CLIENT_KEYSTORE, tls(TestCertificates.CA_TRUSTSTORE, "s3cret", TestCertificates.CLIENT_KEYSTORE, "s3cret").toString());
    }

    /** The web's routes and the backend's startup both create the connector, so either role stops on a bad setting. */
    @ParameterizedTest
    @ValueSource(strings = { "web", "backend" })
    void aSettingThatCannotWorkStopsTheRoleAtStartup(String role) throws Exception {
        Main main = new Main(FoowebMain.class);
        FoowebMain.configure(main, role);
        main.addOverrideProperty("camel.server.port", String.valueOf(FreePort.next()));
        main.addOverrideProperty("fooweb.nats.servers", "nats://127.0.0.1:" + FreePort.next());
        main.addOverrideProperty("fooweb.nats.creds", "target/no-such.creds");
        try {
            Exception failed = assertThrows(Exception.class, main::start, role + " started with an unreadable .creds file");
            assertTrue(rootCause(failed).getMessage().contains("fooweb.nats.creds"), rootCause(failed).toString());
        } finally {
            stopQuietly(main);
        }
    }

    /** A role that wrongly started has no connector to drain and fails to stop; the assertion above says why. */
    private static void stopQuietly(Main main) {
        try {
            main.stop();
        } catch (RuntimeException e) {
            // reported by the failed assertion
        }
    }

    private static String assertRefused(String expectedInMessage, Runnable settings) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, settings::run);
        assertTrue(refused.getMessage().contains(expectedInMessage), refused.getMessage());
        return refused.getMessage();
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
