/**
 * Patches of camel-main / camel-support / camel-console / camel-yaml-dsl 4.17.0.
 * <ul>
 * <li>{@link io.fooweb.patch.camelmain.CountingRoutePolicy}: a {@code RoutePolicySupport} is a service, and the first of
 * several routes to stop stops it for all (a stopped policy is skipped); a policy that only counts needs no lifecycle.
 * It is the entry point product code uses: RequestCounter and BackendStats implement it.
 * Tests: {@code StatsTest}, {@code ServiceDiscoveryTest} (counts after routes stopped and started).</li>
 * <li>{@link io.fooweb.patch.camelmain.ThreadSafeDevConsoleRegistry} (wired by type in routes/nats.camel.yaml; camel-main
 * uses a registry bean of that type): camel-console's registry keeps its consoles in a plain TreeSet, and the CLI
 * connector's first task resolves (adds) consoles while the starting context iterates them, so a start failed now and
 * then with a ConcurrentModificationException (once in a CI run, 2026-12-03, in a test's context). Tests:
 * {@code ThreadSafeDevConsoleRegistryTest} (Camel's registry still fails the same start, deterministically; this one
 * does not), {@code WebAndBackendTest.camelsDevConsolesAreKeptInTheThreadSafeRegistry}.</li>
 * <li>No class, a rule: camel-yaml-dsl 4.17.0 pre-parses every route file's {@code beans:} and loads them again, and
 * its duplicate check is cleared after each file, so the beans of every file but the first are built twice; the first
 * instance is initialised, then destroyed when the second replaces it in the registry. So every bean whose init method
 * starts something (a subscription, a thread, a listener) has a destroy method that stops it, and a startup log line
 * may appear twice. Tests: {@code ServiceDiscoveryTest.everyLiveBackendAnswersAndAStoppedOneNoLonger} and
 * {@code ClusterStatsTest} (each backend and web answers once).</li>
 * </ul>
 */
package io.fooweb.patch.camelmain;
