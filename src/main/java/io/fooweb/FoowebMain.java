package io.fooweb;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/**
 * Starts fooweb in one role: {@code web} (HTTP API), {@code backend} (NATS worker) or {@code all} (both).
 * <p>
 * The role is the property {@code fooweb.role} (application.properties); {@code -Dfooweb.role}, then
 * {@code FOOWEB_ROLE}, then the first argument override it, each stronger than the one before (as Camel ranks
 * environment variables over system properties). A role is two Camel Main settings: which route files
 * load ({@code camel.main.routesIncludePattern}) and whether the HTTP server starts ({@code camel.server.enabled}).
 * Each route file declares the beans its routes use, so a role builds only its own.
 */
public final class FoowebMain {

    public enum Role {
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
        try {
            configure(main, args.length > 0 ? args[0] : null);
        } catch (IllegalArgumentException e) {
            System.err.println("fooweb: " + e.getMessage());
            System.err.println("Usage: fooweb [web|backend|all]");
            System.exit(2);
        }
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
    public static Role configure(Main main, String roleArgument) {
        Role role = Role.of(roleArgument != null ? roleArgument : roleSetting());
        main.addOverrideProperty("fooweb.role", role.name().toLowerCase(Locale.ROOT));
        main.addOverrideProperty("camel.main.routesIncludePattern", role.routes);
        main.addOverrideProperty("camel.server.enabled", String.valueOf(role.http));
        return role;
    }

    /** FOOWEB_ROLE, else -Dfooweb.role, else application.properties, else all: Camel's own order for properties. */
    static String roleSetting() {
        String role = System.getenv("FOOWEB_ROLE");
        if (role == null || role.isBlank()) {
            role = System.getProperty("fooweb.role");
        }
        if (role != null && !role.isBlank()) {
            return role;
        }
        Properties properties = new Properties();
        try (InputStream in = FoowebMain.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read application.properties: " + e.getMessage(), e);
        }
        return properties.getProperty("fooweb.role", "all");
    }
}
