package io.fooweb.nats;

import io.fooweb.FoowebMain;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * jnats reconnects forever, except when the server refuses its credentials twice in a row: then it closes the
 * connection for good. Both roles must serve again, on a new connection, once the server accepts them again.
 */
@CamelMainTest(mainClass = FoowebMain.class, properties = { "fooweb.nats.user=fooweb",
        "fooweb.nats.password=" + NatsRefusedCredentialsTest.PASSWORD })
class NatsRefusedCredentialsTest {

    static final String PASSWORD = "Pa55word-for-fooweb-tests";

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment().withNatsConfig(config(PASSWORD));

    static String config(String password) {
        return "authorization { users: [ { user: fooweb, password: \"" + password + "\" } ] }\n";
    }

    @Test
    void bothRolesServeAgainOnceTheServerAcceptsTheCredentialsAgain() throws Exception {
        env.assertServesAFile();
        Path config = Path.of("target", "nats-server-" + env.nats().port() + ".conf");

        // the server comes back with another password: jnats is refused twice and closes the connection for good
        env.nats().stop();
        Files.writeString(config, config("an0ther-password"));
        env.nats().start();
        await("jnats gave up").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> !log.lines(NatsConnector.class.getName(), "closed for good").isEmpty());
        assertEquals(503, env.http().postForm("/etc/hostname").statusCode());

        // and back with ours: a new connection, new workers, and the web's requests flow again
        env.nats().stop();
        Files.writeString(config, config(PASSWORD));
        env.nats().start();
        await("serving again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> env.http().postForm("/etc/hostname").statusCode() == 200);
        env.assertServesAFile();
        assertFalse(log.text().contains(PASSWORD));
    }
}
