package io.fooweb.patch.platformhttp;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fooweb.wire.FoowebException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The body of a request on an endpoint without Vert.x's body handler ({@code useBodyHandler: false}), read and decoded
 * here: Vert.x decodes a form with Netty's HttpPostRequestDecoder, which throws and fills an exception at the end of
 * every form body (4% of the web's CPU). The answers stay Vert.x's: 413 over {@code camel.server.maxBodySize}, 400
 * {@code invalid_form} for a broken encoding or a field over 8 KiB.
 */
final class RequestBody {

    /** Vert.x's limit on one decoded form field. */
    static final int MAX_FORM_FIELD_BYTES = 8192;

    private RequestBody() {
    }

    /** The whole body, at most {@code maxBytes} (null: no limit); a larger one fails with 413 once it has been read. */
    static Future<Buffer> read(HttpServerRequest request, Long maxBytes) {
        Promise<Buffer> read = Promise.promise();
        Buffer body = Buffer.buffer();
        boolean[] tooLarge = { false };
        request.handler(chunk -> {
            if (tooLarge[0] || (maxBytes != null && body.length() + chunk.length() > maxBytes)) {
                tooLarge[0] = true;
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(read::tryFail);
        request.endHandler(ended -> {
            if (tooLarge[0]) {
                read.tryFail(new FoowebException(413, "body_too_large", "The request body is over " + maxBytes + " bytes"));
            } else {
                read.tryComplete(body);
            }
        });
        request.resume();
        return read.future();
    }

    /**
     * What platform-http would make the body: a form's fields (url-encoded or multipart) as a map (a String each, a List
     * for a repeated one), any other body as its bytes. fooweb takes no uploads: a multipart form with a file part is
     * refused (400 invalid_form), so a client that sent a file where a name belongs learns it.
     */
    static Object decode(HttpServerRequest request, Buffer body) {
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (isType(contentType, "multipart/form-data")) {
            return multipart(contentType, body);
        }
        if (!isType(contentType, "application/x-www-form-urlencoded")) {
            return body.getBytes();
        }
        Map<String, List<String>> fields;
        try {
            fields = QueryStringDecoder.builder().hasPath(false).semicolonIsNormalChar(true).build(body.toString(StandardCharsets.UTF_8))
                    .parameters();
        } catch (IllegalArgumentException e) {
            throw invalidForm();
        }
        Map<String, Object> form = new HashMap<>();
        fields.forEach((name, values) -> {
            for (String value : values) {
                if (value.length() > MAX_FORM_FIELD_BYTES) {
                    throw invalidForm();
                }
            }
            form.put(name, values.size() == 1 ? values.get(0) : values);
        });
        return form;
    }

    private static boolean isType(String contentType, String type) {
        return contentType != null && contentType.regionMatches(true, 0, type, 0, type.length());
    }

    /** A multipart form, decoded in memory: the body is bounded by camel.server.maxBodySize already. */
    private static Map<String, Object> multipart(String contentType, Buffer body) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/", body.getByteBuf());
        request.headers().set(HttpHeaders.CONTENT_TYPE, contentType);
        HttpPostMultipartRequestDecoder decoder;
        try {
            decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw invalidForm();
        }
        Map<String, Object> form = new HashMap<>();
        try {
            for (InterfaceHttpData part : decoder.getBodyHttpDatas()) {
                if (part instanceof FileUpload) {
                    throw FoowebException.badRequest("invalid_form", "The form carries a file; fooweb takes none: send filename as a"
                            + " text field (curl -F filename=/path, not -F filename=@/path)");
                }
                if (part instanceof Attribute field) {
                    String value = field.getValue();
                    if (value.length() > MAX_FORM_FIELD_BYTES) {
                        throw invalidForm();
                    }
                    form.merge(part.getName(), value, RequestBody::repeated);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw e instanceof FoowebException refused ? refused : invalidForm();
        } finally {
            decoder.destroy();
            request.release();
        }
        return form;
    }

    /** A form field sent more than once: its values as a list, as for a url-encoded form. */
    @SuppressWarnings("unchecked")
    private static Object repeated(Object first, Object next) {
        List<Object> values = first instanceof List<?> list ? (List<Object>) list : new java.util.ArrayList<>(List.of(first));
        values.add(next);
        return values;
    }

    static FoowebException invalidForm() {
        return FoowebException.badRequest("invalid_form", "The form body cannot be decoded (a field over 8 KiB, or a broken encoding)");
    }
}
