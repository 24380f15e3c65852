package io.fooweb.patch.platformhttp;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;

import io.fooweb.http.RefusedBody;
import io.fooweb.wire.FoowebException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
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
 * routes' JSON error and the request-log line.
 * <p>
 * The exchange gets the HTTP method and path and only the request headers and query parameters the engine names:
 * platform-http copies every header and parameter, the addresses and four forms of the URI into each exchange, and
 * parses the Accept headers, for routes that read two of them. The answer is written here when its body is a Buffer
 * (every fooweb route ends with one), with a Content-Length: platform-http 4.17.0 sends a Buffer chunked. Other bodies
 * and exceptions go to platform-http's writer, which is private in 4.17.0 and reached through a method handle.
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

    private final List<String> requestHeaders;
    private final List<String> queryParameters;
    private Long maxBodySize;

    public EventLoopHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
            String routerName, List<String> requestHeaders, List<String> queryParameters) {
        super(endpoint, processor, handlers, routerName);
        this.requestHeaders = requestHeaders;
        this.queryParameters = queryParameters;
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
        Message in = request(ctx, exchange);
        if (body != null) {
            in.setBody(body);
        }
        try {
            createUoW(exchange);
        } catch (Exception e) {
            fail(exchange, ctx, e);
            return;
        }
        getAsyncProcessor().process(exchange, doneSync -> respond(ctx, exchange));
    }

    /** The exchange's message: the request's method, path, and the headers and query parameters the routes read. */
    private Message request(RoutingContext ctx, Exchange exchange) {
        HttpServerRequest request = ctx.request();
        Message in = exchange.getIn();
        if (in instanceof HttpMessage http) {
            http.init(exchange, request, ctx.response());
        } else {
            in = new HttpMessage(exchange, request, ctx.response());
            exchange.setMessage(in);
        }
        in.setHeader(Exchange.HTTP_METHOD, request.method().name());
        in.setHeader(Exchange.HTTP_PATH, ctx.normalizedPath());
        for (String name : requestHeaders) {
            String value = request.getHeader(name);
            if (value != null) {
                in.setHeader(name, value);
            }
        }
        for (String name : queryParameters) {
            String value = request.getParam(name);
            if (value != null) {
                in.setHeader(name, value);
            }
        }
        return in;
    }
    @SuppressWarnings("unchecked")
    private void respond(RoutingContext ctx, Exchange exchange) {
        if (exchange.getException() == null && exchange.getMessage().getBody() instanceof Buffer body && !ctx.response().ended()) {
            write(ctx.response(), exchange.getMessage(), body).onComplete(result -> {
                if (result.succeeded()) {
                    complete(exchange);
                } else {
                    fail(exchange, ctx, result.cause());
                }
            });
            return;
        }
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

    /** The status (CamelHttpResponseCode, else 200), every header but Camel's own, and the body with its length. */
    private static Future<Void> write(HttpServerResponse response, Message message, Buffer body) {
        Object status = message.getHeader(Exchange.HTTP_RESPONSE_CODE);
        response.setStatusCode(status == null ? 200 : Integer.parseInt(status.toString()));
        for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
            String name = header.getKey();
            if (header.getValue() != null && !name.startsWith("Camel") && !name.startsWith("camel") && !name.startsWith("org.apache.camel")) {
                response.putHeader(name, header.getValue().toString());
            }
        }
        response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
        return response.end(body);
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
