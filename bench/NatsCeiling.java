import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

/**
 * NATS request/reply ceiling for bench/run: what one jnats requester connection gets from one trivial responder
 * connection through the same nats-server, with nothing else in the way (no HTTP, no Camel, no file reads).
 * <p>
 * Run in source-file mode: {@code java -cp "target/lib/*" bench/NatsCeiling.java <natsUrl> <concurrency> <seconds> <payloadBytes>}.
 * A Dispatcher in a queue group answers every request with a fixed payload of {@code payloadBytes}; {@code concurrency}
 * threads send synchronous requests (shaped like the web's: a filename and the Fooweb-Envelope header) in a loop for
 * {@code seconds}, after a short unreported warm-up. Every latency is recorded; prints one line:
 * {@code NATS_CEILING req_per_s=... p50_ms=... p99_ms=... requests=... errors=...}.
 */
public class NatsCeiling {

    static final String SUBJECT = "bench_ceiling_req";
    static final String QUEUE = "bench_ceiling_queue";

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: NatsCeiling <natsUrl> <concurrency> <seconds> <payloadBytes>");
            System.exit(2);
        }
        String url = args[0];
        int concurrency = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        int payloadBytes = Integer.parseInt(args[3]);

        byte[] reply = new byte[payloadBytes];
        for (int i = 0; i < reply.length; i++) {
            reply[i] = (byte) (i % 64 == 63 ? '\n' : 'a' + i % 26);
        }
        byte[] request = "/etc/hostname".getBytes(StandardCharsets.UTF_8);

        Options.Builder options = new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5));
        try (Connection responder = Nats.connect(options.connectionName("bench-ceiling-responder").build());
             Connection requester = Nats.connect(options.connectionName("bench-ceiling-requester").build())) {
            if (payloadBytes > responder.getMaxPayload()) {
                throw new IllegalArgumentException("payload " + payloadBytes + " > server max_payload " + responder.getMaxPayload());
            }
            Dispatcher dispatcher = responder.createDispatcher(msg -> responder.publish(msg.getReplyTo(), reply));
            dispatcher.subscribe(SUBJECT, QUEUE);
            responder.flush(Duration.ofSeconds(5));

            double warmup = Math.max(0.2, Math.min(5.0, seconds * 0.5));
            run(requester, request, concurrency, warmup, payloadBytes);
            Result result = run(requester, request, concurrency, seconds, payloadBytes);

            long[] all = result.latencies;
            Arrays.sort(all);
            double rate = all.length / result.elapsedSeconds;
            System.out.printf("NATS_CEILING concurrency=%d payload=%d req_per_s=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d errors=%d%n",
                    concurrency, payloadBytes, rate, percentile(all, 50) / 1e6, percentile(all, 99) / 1e6, all.length, result.errors);
        }
    }

    record Result(long[] latencies, double elapsedSeconds, long errors) {
    }

    static Result run(Connection connection, byte[] request, int concurrency, double seconds, int expectedBytes) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        long[][] perThread = new long[concurrency][];
        int[] counts = new int[concurrency];
        CountDownLatch ready = new CountDownLatch(concurrency);
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                long[] latencies = new long[1 << 12];
                int n = 0;
                Headers headers = new Headers().add("Fooweb-Envelope", "1");
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        Message reply = connection.request(
                                NatsMessage.builder().subject(SUBJECT).headers(headers).data(request).build(), Duration.ofSeconds(2));
                        if (reply == null || reply.getData() == null || reply.getData().length != expectedBytes) {
                            errors.incrementAndGet();
                            continue;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        continue;
                    }
                    long elapsed = System.nanoTime() - start;
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = elapsed;
                }
                perThread[id] = latencies;
                counts[id] = n;
            }, "requester-" + t);
            threads[t].start();
        }
        ready.await();
        long begin = System.nanoTime();
        go.countDown();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - begin) / 1e9;
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(perThread[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        return new Result(all, elapsed, errors.get());
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
