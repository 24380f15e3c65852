package io.fooweb.patch.platformhttp;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

import io.fooweb.http.RefusedBody;
import io.fooweb.wire.FoowebException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * platform-http's Vert.x consumer, running the route on the request's event loop rather than on a worker thread.
 * <p>
 * camel-platform-http-vertx 4.17.0 runs every route on a Vert.x worker thread, synchronously (CAMEL-18383 asks for the
 * event-loop option this class adds): a POST /req held a worker for its whole NATS round trip and cost two more thread
 * hand-offs, which made up most of the web's system time. fooweb's web routes do not block: the NATS request
 * continues on the event loop, and work that must block goes to a worker ({@link io.fooweb.http.EventLoop}).
 * <p>
 * The request parsing and response writing are platform-http's own; two of its methods are private in 4.17.0 and are
 * reached through method handles. Proxy and streaming endpoints, which fooweb does not use, keep the worker path.
 * <p>
 * An endpoint with {@code useBodyHandler: false} (POST /req) gets its body read and a form decoded here
 * ({@link RequestBody}), without Netty's form decoder. Vert.x's body handler, on the other endpoints, refuses some
 * requests before any route runs: a body over {@code camel.server.maxBodySize}
 * (413) and a form it cannot decode (400, e.g. a field over Vert.x's 8 KiB limit). Vert.x would answer those with a
 * bare text and log "Unhandled exception in router"; this consumer runs the route anyway, with the refusal in the
 * exchange variable {@value RefusedBody#VARIABLE}.
 */
public class EventLoopHttpConsumer extends VertxPlatformHttpConsumer {

    private static final MethodHandle POPULATE_FORM;
    private static final MethodHandle WRITE_RESPONSE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            POPULATE_FORM = MethodHandles.privateLookupIn(VertxPlatformHttpConsumer.class, lookup).findVirtual(
                    VertxPlatformHttpConsumer.class, "populateMultiFormData",
                    MethodType.methodType(void.class, RoutingContext.class, Message.class, HeaderFilterStrategy.class));
            WRITE_RESPONSE = MethodHandles.privateLookupIn(VertxPlatformHttpSupport.class, lookup).findStatic(
                    VertxPlatformHttpSupport.class, "writeResponse",
                    MethodType.methodType(Future.class, RoutingContext.class, Exchange.class, HeaderFilterStrategy.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("camel-platform-http-vertx is not the 4.17.0 this class was written for: " + e);
        }
    }

    private final String routerName;
    private Route refusals;
    private Long maxBodySize;

    public EventLoopHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
            String routerName) {
        super(endpoint, processor, handlers, routerName);
        this.routerName = routerName;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        PlatformHttpEndpoint endpoint = getEndpoint();
        String path = endpoint.isMatchOnUriPrefix() && !endpoint.getPath().endsWith("*") ? endpoint.getPath() + "*" : endpoint.getPath();
        MainHttpServer server = endpoint.getCamelContext().hasService(MainHttpServer.class);
        maxBodySize = server != null ? server.getMaxBodySize() : null;
        refusals = VertxPlatformHttpRouter.lookup(endpoint.getCamelContext(), routerName).route(path).failureHandler(this::handleRefusal);
    }

    @Override
    protected void doStop() throws Exception {
        if (refusals != null) {
            refusals.remove();
            refusals = null;
        }
        super.doStop();
    }

    /**
     * The body handler's refusals, 413 and 400, which come before {@link #handleRequest}; anything else goes on to
     * Vert.x (this consumer's own failures carry an exception and no status).
     */
    private void handleRefusal(RoutingContext ctx) {
        if (ctx.statusCode() != 413 && ctx.statusCode() != 400) {
            ctx.next();
            return;
        }
        FoowebException refusal = ctx.statusCode() == 413
                ? new FoowebException(413, "body_too_large", maxBodySize != null
                        ? "The request body is over " + maxBodySize + " bytes" : "The request body is larger than this server accepts")
                : RequestBody.invalidForm();
        if (ctx.failure() != null) {
            refusal.initCause(ctx.failure());
        }
        handleRequest(ctx, refusal, null);
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        PlatformHttpEndpoint endpoint = getEndpoint();
        if (endpoint.isUseBodyHandler() || isSuspended() || endpoint.isHttpProxy() || endpoint.isUseStreaming()) {
            handleRequest(ctx, null, null);
            return;
        }
        RequestBody.read(ctx.request(), maxBodySize).onComplete(read -> {
            if (read.failed()) {
                handleRequest(ctx, read.cause() instanceof FoowebException refused ? refused : RequestBody.invalidForm(), null);
                return;
            }
            Object body;
            try {
                body = RequestBody.decode(ctx.request(), read.result());
            } catch (FoowebException refused) {
                handleRequest(ctx, refused, null);
                return;
            }
            handleRequest(ctx, null, body);
        });
    }

    /** {@code body}: the body this consumer read itself (no body handler), or null. */
    private void handleRequest(RoutingContext ctx, FoowebException refusal, Object body) {
        PlatformHttpEndpoint endpoint = getEndpoint();
        if (isSuspended() || endpoint.isHttpProxy() || endpoint.isUseStreaming()) {
            super.handleRequest(ctx);
            return;
        }
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        if (refusal != null) {
            exchange.setVariable(RefusedBody.VARIABLE, refusal);
        }
        processHttpRequest(exchange, ctx).onComplete(parsed -> {
            if (parsed.failed()) {
                fail(exchange, ctx, parsed.cause());
                return;
            }
            try {
                if (endpoint.isUseBodyHandler()) {
                    POPULATE_FORM.invoke(this, ctx, exchange.getIn(), endpoint.getHeaderFilterStrategy());
                } else if (body != null) {
                    exchange.getIn().setBody(body);
                }
                createUoW(exchange);
            } catch (Throwable e) {
                fail(exchange, ctx, e);
                return;
            }
            getAsyncProcessor().process(exchange, doneSync -> respond(ctx, exchange));
        });
    }

    @SuppressWarnings("unchecked")
    private void respond(RoutingContext ctx, Exchange exchange) {
        Future<Void> written;
        try {
            written = (Future<Void>) WRITE_RESPONSE.invoke(ctx, exchange, getEndpoint().getHeaderFilterStrategy(),
                    getEndpoint().isMuteException());
        } catch (Throwable e) {
            fail(exchange, ctx, e);
            return;
        }
        written.onComplete(result -> {
            if (result.succeeded()) {
                complete(exchange);
            } else {
                fail(exchange, ctx, result.cause());
            }
        });
    }

    /** As platform-http's own consumer fails a request it could not process or answer. */
    private void fail(Exchange exchange, RoutingContext ctx, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(), failure);
        ctx.fail(failure);
        if (getEndpoint().isHandleWriteResponseError() && failure != null) {
            Exception existing = exchange.getException();
            if (existing != null) {
                failure.addSuppressed(existing);
            }
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
            exchange.setException(failure);
        }
        complete(exchange);
    }

    private void complete(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }
}
