package io.fooweb.nats;

import io.fooweb.FoowebMain;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Both roles in one process against a nats-server that requires a token. */
@CamelMainTest(mainClass = FoowebMain.class)
class NatsTokenTest {

    static final String TOKEN = "T0ken-for-fooweb-tests";
    static final String WRONG_TOKEN = "Wr0ng-token-for-fooweb-tests";

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment().withNatsConfig("authorization { token: \"" + TOKEN + "\" }\n");

    @Nested
    @CamelMainTest(properties = "fooweb.nats.token=" + TOKEN)
    class WithTheToken {

        @Test
        void servesAFileAndNeverLogsTheToken() {
            env.assertServesAFile();
            log.assertContainsNone(TOKEN);
        }
    }

    @Nested
    @CamelMainTest(properties = "fooweb.nats.token=" + WRONG_TOKEN)
    class WithAWrongToken {

        @Test
        void isRefusedAndTheWebAnswers503() {
            env.assertRefusedByNats("authentication error");
            log.assertContainsNone(TOKEN, WRONG_TOKEN);
        }
    }

    @Nested
    class WithoutAToken {

        @Test
        void isRefusedAndTheWebAnswers503() {
            env.assertRefusedByNats("authentication error");
        }
    }
}
