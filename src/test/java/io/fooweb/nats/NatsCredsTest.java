package io.fooweb.nats;

import io.fooweb.FoowebMain;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.TestCreds;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both roles in one process against a nats-server in operator (JWT) mode, authenticating with a {@code .creds} file as
 * {@code nsc} makes them.
 */
@CamelMainTest(mainClass = FoowebMain.class)
class NatsCredsTest {

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment().withNatsConfig(TestCreds.generateWithServerConfig());

    @Nested
    @CamelMainTest(properties = "fooweb.nats.creds=" + TestCreds.USER_CREDS)
    class WithAUserOfTheAccount {

        @Test
        void servesAFileAndNeverLogsTheSeed() {
            env.assertServesAFile();
            log.assertContainsNone(TestCreds.seedOf(TestCreds.USER_CREDS));
        }
    }

    @Nested
    @CamelMainTest(properties = "fooweb.nats.creds=" + TestCreds.STRANGER_CREDS)
    class WithAUserOfAnUnknownAccount {

        @Test
        void isRefusedAndTheWebAnswers503() {
            env.assertRefusedByNats("authentication error");
            log.assertContainsNone(TestCreds.seedOf(TestCreds.USER_CREDS), TestCreds.seedOf(TestCreds.STRANGER_CREDS));
        }
    }
}
