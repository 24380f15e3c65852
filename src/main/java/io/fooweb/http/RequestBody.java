package io.fooweb.http;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fooweb.wire.FoowebException;
import io.netty.handler.codec.http.QueryStringDecoder;
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
     * What platform-http would make the body: a form's fields as a map (a String each, a List for a repeated one), any
     * other body as its bytes.
     */
    static Object decode(HttpServerRequest request, Buffer body) {
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null || !contentType.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
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

    static FoowebException invalidForm() {
        return FoowebException.badRequest("invalid_form", "The form body cannot be decoded (a field over 8 KiB, or a broken encoding)");
    }
}
