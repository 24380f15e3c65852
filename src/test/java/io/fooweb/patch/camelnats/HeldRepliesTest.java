package io.fooweb.patch.camelnats;

import io.fooweb.fixture.PlainCamel;
import io.fooweb.nats.HeldReplies;
import io.fooweb.nats.NatsConnector;
import io.fooweb.nats.hedge.HedgeCounts;
import io.fooweb.nats.hedge.HedgeSettings;
import io.fooweb.nats.hedge.HedgedRequest;
import io.fooweb.nats.NatsSecurity;

import io.fooweb.wire.FoowebException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.support.AsyncProcessorConverterHelper;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.UnitOfWorkHelper;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The limit on the reply bytes a process holds ({@link HeldReplies}), through the nats component's producer, against a
 * real nats-server and a plain jnats responder.
 * Each exchange here stands for an answer still being written: its reply is held until the exchange is done.
 */
class HeldRepliesTest {

    private static final byte[] REPLY = new byte[1000];

    @Test
    void aReplyOverTheLimitIsRefusedWhileOthersAreHeldAndServedOnceTheyAreDone() throws Exception {
        try (NatsServer server = NatsServer.launch();
                Connection responder = Nats.connect(server.url())) {
            responder.createDispatcher(message -> responder.publish(message.getReplyTo(), REPLY)).subscribe("held-test");
            responder.flush(Duration.ofSeconds(5));
            NatsConnector nats = new NatsConnector(server.url(), "held-test", Duration.ofSeconds(2), Duration.ofMillis(100),
                    NatsSecurity.NONE);
            try (DefaultCamelContext camel = PlainCamel.context()) {
                await().atMost(Duration.ofSeconds(10)).until(nats::isReady);
                camel.addComponent("nats", new FoowebNatsComponent(nats, new HeldReplies(1500), new HedgeCounts(), null));
                camel.start();
                AsyncProcessor producer = AsyncProcessorConverterHelper.convert(
                        camel.getEndpoint("nats:held-test?exchangePattern=InOut&requestTimeout=5000").createProducer());
                FoowebNatsComponent component = (FoowebNatsComponent) camel.getComponent("nats");

                Exchange first = new DefaultExchange(camel);
                assertArrayEquals(REPLY, answer(producer, first).get(5, TimeUnit.SECONDS));
                assertEquals(1000, component.heldReplyBytes());

                // 1000 held + 1000 > 1500: refused, and nothing more is held
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> answer(producer, new DefaultExchange(camel)).get(5, TimeUnit.SECONDS));
                FoowebException busy = assertInstanceOf(FoowebException.class, refused.getCause());
                assertEquals(503, busy.getStatus());
                assertEquals("busy", busy.getCode());
                assertEquals(1000, component.heldReplyBytes());

                // the first answer is written: its bytes are released, and the next reply is served
                UnitOfWorkHelper.doneSynchronizations(first, first.getExchangeExtension().handoverCompletions());
                assertEquals(0, component.heldReplyBytes());
                Exchange third = new DefaultExchange(camel);
                assertArrayEquals(REPLY, answer(producer, third).get(5, TimeUnit.SECONDS));
                UnitOfWorkHelper.doneSynchronizations(third, third.getExchangeExtension().handoverCompletions());

                // one reply larger than the limit is still served when nothing else is held
                camel.addComponent("tiny", new FoowebNatsComponent(nats, new HeldReplies(10), new HedgeCounts(), null));
                AsyncProcessor tiny = AsyncProcessorConverterHelper.convert(
                        camel.getEndpoint("tiny:held-test?exchangePattern=InOut&requestTimeout=5000").createProducer());
                assertArrayEquals(REPLY, answer(tiny, new DefaultExchange(camel)).get(5, TimeUnit.SECONDS));
            } finally {
                nats.close();
            }
        }
    }

    private static CompletableFuture<byte[]> answer(AsyncProcessor producer, Exchange exchange) {
        exchange.setPattern(ExchangePattern.InOut);
        exchange.getMessage().setBody("/any");
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        producer.process(exchange, doneSync -> {
            if (exchange.getException() != null) {
                answer.completeExceptionally(exchange.getException());
            } else {
                answer.complete(exchange.getMessage().getBody(byte[].class));
            }
        });
        return answer;
    }
}
