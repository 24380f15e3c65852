package io.fooweb;

import java.util.Locale;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/**
 * Starts fooweb in one role: {@code web} (HTTP API), {@code backend} (NATS worker) or {@code all} (both, the default).
 * The role comes from the first argument, else {@code -Dfooweb.role}, else {@code FOOWEB_ROLE}.
 */
public final class FoowebMain {

    enum Role {
        WEB("classpath:camel/web.camel.yaml", true),
        BACKEND("classpath:camel/backend.camel.yaml", false),
        ALL("classpath:camel/*.camel.yaml", true);

        final String routes;
        final boolean http;

        Role(String routes, boolean http) {
            this.routes = routes;
            this.http = http;
        }

        static Role of(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unknown role '" + name + "': use web, backend or all");
            }
        }
    }

    private FoowebMain() {
    }

    public static void main(String... args) throws Exception {
        Main main = new Main(FoowebMain.class);
        configure(main, args.length > 0 ? args[0] : null);
        try {
            main.run();
        } catch (Exception e) {
            // a start that failed (a port in use, unusable NATS settings) must end the process with a failure status
            // even when a half-started server left threads running, so that a supervisor sees it and restarts it
            LoggerFactory.getLogger(FoowebMain.class).error("fooweb could not start: {}", e.getMessage());
            System.exit(1);
        }
    }

    /** Applies the role to a Camel Main: which routes load and whether the HTTP server starts. */
    static Role configure(Main main, String roleArgument) {
        String name = roleArgument != null ? roleArgument
                : System.getProperty("fooweb.role", System.getenv().getOrDefault("FOOWEB_ROLE", "all"));
        Role role = Role.of(name);
        String roleName = role.name().toLowerCase(Locale.ROOT);
        main.addOverrideProperty("fooweb.role", roleName);
        main.addOverrideProperty("camel.main.routesIncludePattern", role.routes);
        main.addOverrideProperty("camel.server.enabled", String.valueOf(role.http));
        return role;
    }
}
