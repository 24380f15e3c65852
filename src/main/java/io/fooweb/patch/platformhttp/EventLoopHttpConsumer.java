package io.fooweb.patch.platformhttp;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

import io.fooweb.http.RefusedBody;
import io.fooweb.wire.FoowebException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * platform-http's Vert.x consumer, running the route on the request's event loop rather than on a worker thread, for
 * endpoints with {@code useBodyHandler: false} (all of fooweb's); others keep platform-http's own path.
 * <p>
 * camel-platform-http-vertx 4.17.0 runs every route on a Vert.x worker thread, synchronously (CAMEL-18383 asks for the
 * event-loop option this class adds): a POST /req held a worker for its whole NATS round trip and cost two more thread
 * hand-offs, which made up most of the web's system time. fooweb's web routes do not block: the NATS request
 * continues on the event loop, and work that must block goes to a worker ({@link io.fooweb.http.EventLoop}).
 * <p>
 * The body is read and a form decoded here ({@link RequestBody}), without Vert.x's body handler and Netty's form
 * decoder. A body it refuses (over {@code camel.server.maxBodySize}: 413; a form it cannot decode: 400) does not stop
 * the route: it runs with the refusal in the exchange variable {@value RefusedBody#VARIABLE}, so the answer is the
 * routes' JSON error and the request-log line. The request parsing and response writing are platform-http's own; its
 * response writer is private in 4.17.0 and is reached through a method handle.
 */
public class EventLoopHttpConsumer extends VertxPlatformHttpConsumer {

    private static final MethodHandle WRITE_RESPONSE;

    static {
        try {
            WRITE_RESPONSE = MethodHandles.privateLookupIn(VertxPlatformHttpSupport.class, MethodHandles.lookup()).findStatic(
                    VertxPlatformHttpSupport.class, "writeResponse",
                    MethodType.methodType(Future.class, RoutingContext.class, Exchange.class, HeaderFilterStrategy.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("camel-platform-http-vertx is not the 4.17.0 this class was written for: " + e);
        }
    }

    private Long maxBodySize;

    public EventLoopHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
            String routerName) {
        super(endpoint, processor, handlers, routerName);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        MainHttpServer server = getEndpoint().getCamelContext().hasService(MainHttpServer.class);
        maxBodySize = server != null ? server.getMaxBodySize() : null;
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        PlatformHttpEndpoint endpoint = getEndpoint();
        if (endpoint.isUseBodyHandler() || isSuspended() || endpoint.isHttpProxy() || endpoint.isUseStreaming()) {
            super.handleRequest(ctx);
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

    private void handleRequest(RoutingContext ctx, FoowebException refusal, Object body) {
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
            if (body != null) {
                exchange.getIn().setBody(body);
            }
            try {
                createUoW(exchange);
            } catch (Exception e) {
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
