package io.fooweb.nats;

import io.fooweb.FoowebMain;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.TestCertificates;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.fooweb.fixture.TestCertificates.CA_PEM;
import static io.fooweb.fixture.TestCertificates.CLIENT_KEYSTORE;
import static io.fooweb.fixture.TestCertificates.PASSWORD;

/**
 * A nats-server whose certificate the trusted CA signed, but for another host name (wrong.example, while the client
 * connects to 127.0.0.1): the client refuses it. jnats on its own would accept it (it checks only the chain).
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = { "fooweb.nats.tls.truststore=" + CA_PEM,
        "fooweb.nats.tls.keystore=" + CLIENT_KEYSTORE, "fooweb.nats.tls.keystore-password=" + PASSWORD })
class NatsTlsHostnameTest {

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment()
            .withNatsConfig(TestCertificates.generateWithServerConfig("wrong-name-server"));

    @Test
    void refusesAServerCertificateForAnotherHost() {
        // the server logs the client's alert: the client did not accept the server's certificate
        env.assertRefusedByNats("TLS handshake error: remote error: tls: ");
        log.assertContainsNone(PASSWORD);
    }
}
