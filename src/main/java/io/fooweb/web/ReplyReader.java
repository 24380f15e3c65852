package io.fooweb.web;

import io.fooweb.nats.NatsConnector;
import io.fooweb.wire.Envelope;
import org.apache.camel.Body;
import org.apache.camel.Exchange;

/** The web's route steps on a backend's reply: open it, then answer JSON or the raw bytes. */
public class ReplyReader {

    private final NatsConnector nats;

    public ReplyReader(NatsConnector nats) {
        this.nats = nats;
    }

    /**
     * The reply ({@link Reply#open}); the backend its status line names (host:pid) becomes the variable
     * {@code backend}, for the response header Fooweb-Backend and the request log, on success and failure alike.
     */
    public Reply open(@Body byte[] payload, Exchange exchange) {
        byte[] bytes = payload == null ? new byte[0] : payload;
        Envelope.StatusLine line = Envelope.read(bytes);
        if (line != null && line.backend() != null) {
            exchange.setVariable("backend", line.backend());
        }
        if (line != null && line.micros() >= 0) {
            exchange.setVariable(ServerTiming.BACKEND_MICROS, line.micros());
        }
        return Reply.open(bytes, line, nats.maxPayload());
    }

    /** The JSON answer to a successful request ({@link Reply#toJson()}). */
    public static byte[] json(@Body Reply reply) {
        return reply.toJson();
    }

    /** The file's bytes, for a client that accepts application/octet-stream; whether they were cut in Fooweb-Truncated. */
    public static byte[] content(@Body Reply reply, Exchange exchange) {
        exchange.getMessage().setHeader("Fooweb-Truncated", reply.truncated());
        return reply.content();
    }
}
