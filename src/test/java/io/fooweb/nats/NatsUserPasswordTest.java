package io.fooweb.nats;

import io.fooweb.FoowebMain;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Both roles in one process against a nats-server that requires a user and password. */
@CamelMainTest(mainClass = FoowebMain.class)
class NatsUserPasswordTest {

    static final String PASSWORD = "Pa55word-for-fooweb-tests";
    static final String WRONG_PASSWORD = "Wr0ng-password-for-fooweb-tests";

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment()
            .withNatsConfig("authorization { users: [ { user: fooweb, password: \"" + PASSWORD + "\" } ] }\n");

    @Nested
    @CamelMainTest(properties = { "fooweb.nats.user=fooweb", "fooweb.nats.password=" + PASSWORD })
    class WithTheRightPassword {

        @Test
        void servesAFileAndNeverLogsThePassword() {
            env.assertServesAFile();
            log.assertContainsNone(PASSWORD);
        }
    }

    @Nested
    @CamelMainTest(properties = { "fooweb.nats.user=fooweb", "fooweb.nats.password=" + WRONG_PASSWORD })
    class WithAWrongPassword {

        @Test
        void isRefusedAndTheWebAnswers503() {
            env.assertRefusedByNats("authentication error");
            log.assertContainsNone(PASSWORD, WRONG_PASSWORD);
        }
    }
}
