package io.fooweb;

import java.util.Set;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/**
 * Starts fooweb. Its role ({@code web}, {@code backend} or {@code all}) is the property {@code fooweb.role}, read like
 * any other (application.properties, a profile's file such as application-web.properties, a file of
 * camel.main.property-placeholder-location, -D, FOOWEB_ROLE); a launcher argument ({@code java -jar fooweb.jar web})
 * wins over all of them. application.properties turns the role into the route files that load and whether the HTTP
 * server starts.
 */
public final class FoowebMain {

    static final Set<String> ROLES = Set.of("web", "backend", "all");

    private FoowebMain() {
    }

    public static void main(String... args) throws Exception {
        Main main = new Main(FoowebMain.class);
        if (args.length > 1 || args.length == 1 && !ROLES.contains(args[0])) {
            System.err.println("fooweb: unknown arguments " + String.join(" ", args) + ": give one role, web, backend or all");
            System.err.println("Usage: fooweb [web|backend|all]");
            System.exit(2);
        }
        String environment = System.getenv("FOOWEB_ROLE");
        if (args.length == 1 && environment != null && !environment.isBlank() && !environment.trim().equals(args[0])) {
            // the routes and the HTTP server follow the argument; a placeholder of fooweb.role (the connection's name)
            // still sees the environment's, which Camel ranks first
            LoggerFactory.getLogger(FoowebMain.class).warn("The argument {} wins over FOOWEB_ROLE={}; unset one", args[0], environment);
        }
        configure(main, args.length == 1 ? args[0] : null);
        try {
            main.run();
        } catch (Exception e) {
            // a start that failed (a port in use, unusable NATS settings) must end the process with a failure status
            // even when a half-started server left threads running, so that a supervisor sees it and restarts it
            LoggerFactory.getLogger(FoowebMain.class).error("fooweb could not start: {}", rootCause(e).getMessage(), e);
            System.exit(1);
        }
    }

    /**
     * Runs {@code main} in {@code role}, over every other setting of the role, or in the role the properties name
     * (null). The role's route files load ({@code fooweb.roles.<role>.routes}). Camel ranks an environment variable
     * above every other source, FOOWEB_ROLE included, so the argument also sets what the role decides, which no
     * environment variable names.
     */
    public static void configure(Main main, String role) {
        main.addOverrideProperty("camel.main.routesIncludePattern", role != null ? "{{fooweb.roles." + role + ".routes}}" : ROUTES_OF_THE_ROLE);
        if (role != null) {
            main.addOverrideProperty("fooweb.role", role);
            main.addOverrideProperty("camel.server.enabled", "{{fooweb.roles." + role + ".http}}");
        }
    }

    /** What FoowebMain sets for a role the properties name: for a Camel Main that FoowebMain does not start (tests). */
    public static final String ROUTES_OF_THE_ROLE = "{{fooweb.roles.{{fooweb.role}}.routes}}";

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
