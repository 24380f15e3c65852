package io.fooweb.web;

import io.fooweb.FoowebMain;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.fooweb.fixture.CapturedLog;
import io.fooweb.fixture.FoowebEnvironment;
import io.fooweb.fixture.Http;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import org.apache.camel.Exchange;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.ReplaceInRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /req with fooweb.web.api.token set, both roles in one process. (Off by default: RequestLogTest.) */
@CamelMainTest(mainClass = FoowebMain.class, properties = "fooweb.web.api.token=" + ApiTokenTest.TOKEN)
class ApiTokenTest {

    static final String TOKEN = "Api-t0ken-for-fooweb-tests";

    @RegisterExtension
    static CapturedLog log = new CapturedLog();

    @RegisterExtension
    static FoowebEnvironment env = new FoowebEnvironment();

    static final AtomicBoolean failNextExtract = new AtomicBoolean();

    Http http = env.http();

    /** A filename parser with a bug on demand: an unexpected error on /req logs the most (stack trace, history). */
    @ReplaceInRegistry
    FilenameRequest filenameRequest() {
        return new FilenameRequest("/etc/hostname") {
            @Override
            public String extract(Exchange exchange) {
                if (failNextExtract.getAndSet(false)) {
                    throw new NullPointerException("simulated bug");
                }
                return super.extract(exchange);
            }
        };
    }

    private HttpResponse<String> post(String path, String filename, String... headers) {
        return http.send(http.request(path, headers).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("filename=" + URLEncoder.encode(filename, StandardCharsets.UTF_8))).build());
    }

    @BeforeEach
    void backendServing() {
        await("backend subscribed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> post("/req", "/etc/hostname", "Authorization", "Bearer " + TOKEN).statusCode() == 200);
    }

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertEquals(401, response.statusCode(), response.body());
        assertEquals("Bearer", response.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        Map<String, Object> body = Http.json(response);
        assertEquals("unauthorized", body.get("error"), response.body());
        assertTrue(body.get("message") instanceof String message && !message.isBlank(), response.body());
        assertTrue(response.headers().firstValue("X-Request-Id").isPresent(), response.headers().toString());
        assertTrue(response.headers().firstValue("Fooweb-Backend").isEmpty(), response.headers().toString());
    }

    @Test
    void withoutTheRightTokenIs401BeforeAnyNatsTraffic() throws Exception {
        CopyOnWriteArrayList<String> published = new CopyOnWriteArrayList<>();
        try (Connection client = Nats.connect(env.nats().url())) {
            // a plain subscriber sees every request the web publishes, to the queue group or to one backend's subject
            Dispatcher seeing = client.createDispatcher(message -> published.add(new String(message.getData(), StandardCharsets.UTF_8)));
            seeing.subscribe("fooweb_req");
            seeing.subscribe("fooweb_req.*");
            client.flush(Duration.ofSeconds(2));

            assertUnauthorized(post("/req", "refused-1"));
            assertUnauthorized(post("/req", "refused-2", "Authorization", "Bearer " + TOKEN + "x"));
            assertUnauthorized(post("/req", "refused-3", "Authorization", "Bearer " + TOKEN.substring(1)));
            assertUnauthorized(post("/req", "refused-4", "Authorization", "Basic " + TOKEN));
            assertUnauthorized(post("/req", "refused-5", "Authorization", TOKEN));
            assertUnauthorized(post("/req", "refused-6", "Authorization", "Bearer"));
            // only the header counts, not a query parameter of that name (platform-http presents those as headers)
            assertUnauthorized(post("/req?Authorization=" + URLEncoder.encode("Bearer " + TOKEN, StandardCharsets.UTF_8), "refused-7"));
            // nor a form field of that name, nor the right token sent twice (Authorization is not a list)
            assertUnauthorized(http.postEncodedForm("filename=refused-8&Authorization=" + URLEncoder.encode("Bearer " + TOKEN, StandardCharsets.UTF_8)));
            assertUnauthorized(post("/req", "refused-9", "Authorization", "Bearer " + TOKEN, "Authorization", "Bearer " + TOKEN));
            assertUnauthorized(http.send("GET", "/req"));
            // the web's requests reach NATS in order: once the accepted one arrives, any refused one would have too
            assertEquals(404, post("/req", "accepted", "Authorization", "Bearer " + TOKEN).statusCode());
            await().atMost(Duration.ofSeconds(5)).until(() -> published.contains("accepted"));
            assertEquals(List.of("accepted"), published);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> log.lines("io.fooweb.access", " status=401 ").size() >= 10);
        log.assertContainsNone(TOKEN);
    }

    @Test
    void withTheTokenIsServed() {
        HttpResponse<String> response = post("/req", "hello.txt", "Authorization", "Bearer " + TOKEN);
        HttpResponse<String> lowerCaseScheme = post("/req", "hello.txt", "Authorization", "bearer " + TOKEN);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(200, lowerCaseScheme.statusCode(), lowerCaseScheme.body());
        assertTrue(((String) Http.json(response).get("file_contents")).length() > 0);
    }

    @Test
    void statsStayOpen() {
        assertEquals(200, http.get("/stats").statusCode());
    }

    @Test
    void theTokenNeverReachesTheLog() {
        failNextExtract.set(true);
        HttpResponse<String> failed = post("/req", "hello.txt", "Authorization", "Bearer " + TOKEN);

        assertEquals(500, failed.statusCode(), failed.body());
        // the unexpected error was logged with its stack trace and the route's history, but not the token
        assertTrue(log.text().contains("simulated bug"), "the failure is in the log");
        log.assertContainsNone(TOKEN);
        // Camel's startup summary masks the setting (its name ends in "token")
        assertTrue(log.text().contains("fooweb.web.api.token = xxxxxx"), "masked in the summary");
    }
}
