package io.fooweb.patch.camelmain;

import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.fooweb.fixture.PlainCamel;
import org.apache.camel.console.DevConsoleRegistry;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.console.DefaultDevConsoleRegistry;
import org.apache.camel.support.console.AbstractDevConsole;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Camel CLI connector did to a starting context, made deterministic: while the registry starts its consoles,
 * another thread registers one. If the first test fails, Camel's registry became thread-safe and the patch can go.
 */
class ThreadSafeDevConsoleRegistryTest {

    /** A console whose start has another thread register a console, and waits up to 200 ms for it. */
    static final class RegistersWhileStarting extends AbstractDevConsole {
        static final AtomicInteger STARTS = new AtomicInteger();
        private final DevConsoleRegistry registry;

        RegistersWhileStarting(String id, DevConsoleRegistry registry) {
            super("test", id, id, id);
            this.registry = registry;
        }

        @Override
        protected void doStart() throws Exception {
            if (getId().equals("a")) {
                String late = "late" + STARTS.incrementAndGet();
                Thread other = new Thread(() -> registry.register(new RegistersWhileStarting(late, registry)));
                other.start();
                // Camel's registry lets it in at once; this one holds it until the start is done
                other.join(200);
            }
        }

        @Override
        protected String doCallText(Map<String, Object> options) {
            return getId();
        }

        @Override
        protected Map<String, Object> doCallJson(Map<String, Object> options) {
            return Map.of("id", getId());
        }
    }

    private static void registerTwo(DevConsoleRegistry registry) {
        registry.register(new RegistersWhileStarting("z", registry));
        registry.register(new RegistersWhileStarting("y", registry));
    }

    @Test
    void camelsRegistryFailsToStartWhenAConsoleIsRegisteredMeanwhile() {
        DefaultDevConsoleRegistry registry = new DefaultDevConsoleRegistry();
        registerTwo(registry);
        registry.register(new RegistersWhileStarting("a", registry));
        registry.stop();
        // a console starts as it is registered, and again when the registry starts: "a" first (sorted by id), which
        // registers another then
        assertThrows(ConcurrentModificationException.class, registry::start);
    }

    @Test
    void thisRegistryStartsAndKeepsTheConsoleRegisteredMeanwhile() throws Exception {
        ThreadSafeDevConsoleRegistry registry = new ThreadSafeDevConsoleRegistry();
        registerTwo(registry);
        registry.register(new RegistersWhileStarting("a", registry));
        registry.stop();
        registry.start();
        // "a" registered one console when it was registered, and one more when the registry started
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.stream().count() == 5);
        assertTrue(registry.stream().allMatch(console -> ((RegistersWhileStarting) console).isStarted()));
    }

    @Test
    void thePlainContextOfTheTestsUsesIt() throws Exception {
        try (DefaultCamelContext camel = PlainCamel.context()) {
            camel.start();
            assertTrue(DevConsoleRegistry.get(camel) instanceof ThreadSafeDevConsoleRegistry, String.valueOf(DevConsoleRegistry.get(camel)));
        }
    }
}
