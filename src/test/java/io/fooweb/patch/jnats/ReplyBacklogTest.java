package io.fooweb.patch.jnats;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fooweb.backend.FileSlice;
import io.fooweb.fixture.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backend's wait for its queued replies to be sent, against a real nats-server that stops reading. */
class ReplyBacklogTest {

    private static final int MIB = 1024 * 1024;
    private static final FileSlice LARGE = new FileSlice(new byte[ReplyBacklog.SMALL_REPLY_BYTES + 1], ReplyBacklog.SMALL_REPLY_BYTES + 1, false);
    private static final FileSlice SMALL = new FileSlice(new byte[ReplyBacklog.SMALL_REPLY_BYTES], ReplyBacklog.SMALL_REPLY_BYTES, false);

    @Test
    void aWorkerWaitsWhileTheUnsentRepliesAreOverTheLimitAndGoesOnOnceTheyAreSent() throws Exception {
        try (NatsServer server = NatsServer.launch();
                Connection connection = Nats.connect(new Options.Builder().server(server.url()).build())) {
            ReplyBacklog backlog = new ReplyBacklog(() -> connection, 2L * MIB, Duration.ofSeconds(20));
            // nothing queued: no wait (a preemptive timeout so that a wrong wait fails rather than hangs)
            CompletableFuture.runAsync(() -> awaitRoom(backlog, LARGE)).get(5, TimeUnit.SECONDS);

            server.pause();
            try {
                // 40 replies of ~1 MiB: the socket buffers take a few, the rest stays in jnats' queue (its size cannot be
                // asked for now: jnats holds the writer's lock for that, and the writer is stuck in a write)
                byte[] reply = new byte[MIB - 1024];
                for (int i = 0; i < 40; i++) {
                    connection.publish("fooweb-test-nobody", reply);
                }
                CompletableFuture<Void> worker = CompletableFuture.runAsync(() -> awaitRoom(backlog, LARGE));
                assertThrows(TimeoutException.class, () -> worker.get(500, TimeUnit.MILLISECONDS),
                        "the worker went on while the server read nothing");
                // a small reply does not even ask (asking waits for the writer's lock)
                CompletableFuture.runAsync(() -> awaitRoom(backlog, SMALL)).get(5, TimeUnit.SECONDS);

                server.resume();
                worker.get(20, TimeUnit.SECONDS);
            } finally {
                server.resume();
            }
            assertTrue(connection.outgoingPendingBytes() <= 2L * MIB, connection.outgoingPendingBytes() + " bytes still queued");
        }
    }

    private static void awaitRoom(ReplyBacklog backlog, FileSlice reply) {
        try {
            backlog.awaitRoom(reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
