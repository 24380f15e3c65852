package io.fooweb.backend;

import java.util.Arrays;

import io.fooweb.nats.NatsConnector;
import io.fooweb.trace.BackendTracing;
import io.fooweb.wire.Envelope;
import io.fooweb.wire.FoowebException;
import io.fooweb.wire.ServiceApi;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Processor;

/**
 * The backend's reply payload ({@link Envelope}): plain bytes for a plain client, the status line and the bytes for
 * our web. Every reply fits the server's max_payload: a larger one would be dropped by the client, and the caller
 * would only see a timeout.
 */
public class ReplyWriter implements Processor {

    private final NatsConnector nats;
    private final String backendId = ServiceApi.hostAndPid();

    public ReplyWriter(NatsConnector nats) {
        this.nats = nats;
    }

    /** The route's step: the file that was read becomes the reply. */
    @Override
    public void process(Exchange exchange) {
        org.apache.camel.Message message = exchange.getMessage();
        exchange.setProperty(BackendTracing.FILE, message.getBody());
        message.setBody(success(message.getBody(FileSlice.class), message.getHeader(Envelope.REQUEST_HEADER, String.class),
                micros(exchange)));
    }

    /** The reply for a file that was read, {@code micros} after the request was taken (-1: unknown). */
    public byte[] success(FileSlice file, String envelope, long micros) {
        int max = maxPayload();
        if (envelope == null) {
            return file.limitTo(max).bytes();
        }
        byte[] content = file.bytes();
        byte[] head = Envelope.success(file.size(), file.truncated(), backendId, micros);
        if (head.length + content.length > max) {
            if (content.length >= max) {
                // no room for a status line: the whole payload is content, which the web reads as a cut file
                return file.limitTo(max).bytes();
            }
            // the file is shorter than max_payload: as plain bytes it arrives whole, and a plain reply shorter than
            // max_payload is a complete file to the web
            return content;
        }
        // one copy of the content, straight behind the status line (up to 1 MiB per reply)
        byte[] reply = Arrays.copyOf(head, head.length + content.length);
        System.arraycopy(content, 0, reply, head.length, content.length);
        return reply;
    }

    /** The reply for a failed request: empty for plain clients (as the original), the status line for our web. */
    public byte[] failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Throwable cause, @Header(Envelope.REQUEST_HEADER) String envelope,
            Exchange exchange) {
        return envelope == null ? new byte[0] : Envelope.failure(asFoowebException(cause), backendId, micros(exchange));
    }

    /** Microseconds since the backend took the request (BackendStats marks it); -1 when unknown. */
    private static long micros(Exchange exchange) {
        Long began = exchange.getProperty(BackendStats.BEGAN_NANOS, Long.class);
        return began == null ? -1 : (System.nanoTime() - began) / 1000;
    }

    private int maxPayload() {
        long serverLimit = nats.maxPayload();
        return serverLimit > 0 ? (int) Math.min(serverLimit, Integer.MAX_VALUE) : Integer.MAX_VALUE;
    }

    /** What the caller is told of a failure: an unexpected exception's own message stays in the log. */
    static FoowebException asFoowebException(Throwable cause) {
        if (cause instanceof FoowebException known) {
            return known;
        }
        return new FoowebException(500, "internal_error", "The backend failed unexpectedly; see its log");
    }
}
