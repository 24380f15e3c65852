package io.fooweb.nats;

import io.fooweb.FoowebMain;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.TestCertificates;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.fooweb.fixture.TestCertificates.CA_PEM;
import static io.fooweb.fixture.TestCertificates.CA_TRUSTSTORE;
import static io.fooweb.fixture.TestCertificates.CLIENT_KEYSTORE;
import static io.fooweb.fixture.TestCertificates.OTHER_CA_PEM;
import static io.fooweb.fixture.TestCertificates.PASSWORD;

/**
 * Both roles in one process against a nats-server that requires TLS with client certificates signed by its CA
 * ({@code tls { verify: true }}), on a nats:// URL: the client upgrades because it has TLS settings.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class NatsTlsTest {

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment().withNatsConfig(TestCertificates.generateWithServerConfig());

    @Nested
    @CamelMainTest(properties = { "fooweb.nats.tls.truststore=" + CA_PEM,
            "fooweb.nats.tls.keystore=" + CLIENT_KEYSTORE, "fooweb.nats.tls.keystore-password=" + PASSWORD })
    class TrustingThePemCaWithAClientCertificate {

        @Test
        void servesAFileAndNeverLogsTheKeystorePassword() {
            env.assertServesAFile();
            log.assertContainsNone(PASSWORD);
        }
    }

    @Nested
    @CamelMainTest(properties = { "fooweb.nats.tls.truststore=" + CA_TRUSTSTORE, "fooweb.nats.tls.truststore-password=" + PASSWORD,
            "fooweb.nats.tls.keystore=" + CLIENT_KEYSTORE, "fooweb.nats.tls.keystore-password=" + PASSWORD })
    class TrustingAPkcs12TruststoreWithAClientCertificate {

        @Test
        void servesAFile() {
            env.assertServesAFile();
            log.assertContainsNone(PASSWORD);
        }
    }

    @Nested
    @CamelMainTest(properties = "fooweb.nats.tls.truststore=" + CA_PEM)
    class WithoutAClientCertificate {

        @Test
        void isRefusedAndTheWebAnswers503() {
            env.assertRefusedByNats("TLS handshake error: tls: client didn't provide a certificate");
        }
    }

    @Nested
    @CamelMainTest(properties = { "fooweb.nats.tls.truststore=" + OTHER_CA_PEM,
            "fooweb.nats.tls.keystore=" + CLIENT_KEYSTORE, "fooweb.nats.tls.keystore-password=" + PASSWORD })
    class TrustingAnotherCa {

        @Test
        void refusesTheServerAndTheWebAnswers503() {
            // the server logs the client's alert: the client did not accept the server's certificate
            env.assertRefusedByNats("TLS handshake error: remote error: tls: unknown certificate");
            log.assertContainsNone(PASSWORD);
        }
    }
}
