/**
 * Patches of camel-platform-http-vertx / camel-platform-http-main 4.17.0 (read in their 4.17.0 sources).
 * <ul>
 * <li>{@link io.fooweb.patch.platformhttp.EventLoopHttpConsumer}: 4.17.0 runs every route on a Vert.x worker thread,
 * synchronously, so a request holds a thread for its whole NATS round trip (CAMEL-18383 asks for an event-loop option).
 * It runs the route on the request's event loop instead, reaching two private 4.17.0 methods through method handles
 * (it fails to load, by design, against another version). Test: {@code EventLoopTest}.</li>
 * <li>{@link io.fooweb.patch.platformhttp.RequestBody}: without a body handler ({@code useBodyHandler: false} on
 * POST /req) the consumer reads and decodes the body itself: Vert.x's body handler decodes every form with Netty's
 * HttpPostRequestDecoder, which throws and fills an exception at the end of every body (4% of the web's CPU, stop 10's
 * profile), and 4.17.0 never turns its file-upload handling off. Same limits and answers. Tests: {@code FailureAnswersTest},
 * {@code WebAndBackendTest} (url-encoded, multipart and JSON bodies); the gain is the benchmark's.</li>
 * <li>{@link io.fooweb.patch.platformhttp.MainServerHttpEngine}: with the management server on a port of its own there
 * are two Vert.x routers, and 4.17.0's engine then attaches consumers to port 8080 whatever {@code camel.server.port}
 * says. Test: every {@code @CamelMainTest}, which serve on free ports.</li>
 * <li>{@link io.fooweb.patch.platformhttp.HttpPortsBound}: 4.17.0 only warns when a server's port is taken and starts
 * without it. Tests: {@code HealthProcessesIT}, {@code FaultToleranceIT} (a second process on a taken port exits 1).</li>
 * </ul>
 * Product code reaches none of these: the exchange variable a refused body travels in and the hand-off off the event
 * loop are {@link io.fooweb.http}'s.
 */
package io.fooweb.patch.platformhttp;
