package io.fooweb;

import org.apache.camel.main.Main;

/** Another fooweb in the test's JVM, with its own Camel context, NATS connection and ports, like another process. */
final class AnotherFooweb {

    private AnotherFooweb() {
    }

    /** Starts {@code role} on these ports ({@code httpPort} 0 for a role without one). */
    static Main start(String role, int httpPort, int managementPort) {
        Main main = new Main(FoowebMain.class);
        FoowebMain.configure(main, role);
        // system properties win over a Main's own settings, and FoowebEnvironment's carry the first process's ports
        String sharedHttp = System.setProperty("camel.server.port", String.valueOf(httpPort));
        String sharedManagement = System.setProperty("camel.management.port", String.valueOf(managementPort));
        try {
            main.start();
        } finally {
            System.setProperty("camel.server.port", sharedHttp);
            System.setProperty("camel.management.port", sharedManagement);
        }
        return main;
    }
}
