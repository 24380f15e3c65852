/**
 * Patches of camel-nats 4.17.0 (read in its sources; 4.18.0 and later are not served here). The {@code nats} component
 * ({@link io.fooweb.patch.camelnats.FoowebNatsComponent}, bound as {@code nats} in routes/nats.camel.yaml) keeps
 * camel-nats' endpoint options and replaces its producer and consumer:
 * <ul>
 * <li>the producer ({@link io.fooweb.patch.camelnats.NatsRequestProducer}, {@link io.fooweb.patch.camelnats.InFlightRequest}):
 * 4.17.0 schedules a timeout task per InOut request that is never removed (a web capped near 500 requests/s, each task
 * holding its exchange for the whole timeout), ignores a requestTimeout above the connection's cleanup interval,
 * continues the route on jnats' single reply thread, and opens a connection of its own per endpoint. Ours sends on the
 * shared connection, times out on the request's event loop, fails at once when the connection drops, and leaves the
 * decisions of hedging to {@link io.fooweb.nats.hedge.HedgedRequest} (product). Tests: {@code NatsComponentTest},
 * {@code NatsFailuresTest}, {@code HedgingTest}, {@code HeldRepliesTest}.</li>
 * <li>the consumer ({@link io.fooweb.patch.camelnats.QueueConsumer}): 4.17.0 binds a consumer to the connection it found
 * at start (a connection jnats closed for good left the route dead until rebuilt), only unsubscribes on stop (dropping
 * what it held), needs a route per worker for concurrency, and adds six camel-nats headers to every message. Ours
 * subscribes once on every connection the process has, in the queue group (and, for steering, on the backend's own
 * subject and its probes), takes each message on jnats' reader thread, runs a {@link io.fooweb.patch.camelnats.NonBlocking}
 * processor's cached read there and the rest on {@code concurrency} worker threads, and counts a message pending until
 * it is answered, so a drain loses nothing. Tests: {@code QueueConsumerTest}, {@code ServiceDiscoveryTest},
 * {@code FaultToleranceIT}, {@code NatsRefusedCredentialsTest}.</li>
 * <li>{@link io.fooweb.patch.camelnats.HeaderAllowList}: 4.17.0 copies every header both ways by default, so a request
 * carrying {@code CamelFileName} or the like would steer the worker's exchange (CVE-2026-46457; later camel-nats
 * releases filter by default). Test: {@code NatsFailuresTest} (the header allow-list cases).</li>
 * </ul>
 * Product code sees the component through routes/*.camel.yaml and names only its seams, interfaces it implements:
 * {@link io.fooweb.patch.camelnats.NonBlocking}, {@link io.fooweb.patch.camelnats.Balancer},
 * {@link io.fooweb.patch.camelnats.Addressable} and {@link io.fooweb.patch.camelnats.SendTracer}.
 */
package io.fooweb.patch.camelnats;
