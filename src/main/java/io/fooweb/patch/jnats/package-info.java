/**
 * Patches of jnats 2.26.2 (the version pinned in pom.xml over camel-nats' 2.24.1).
 * <ul>
 * <li>{@link io.fooweb.patch.jnats.HostnameCheckingSslContext} (entry point: {@code wrap}, called by NatsSecurity):
 * jnats checks that a TLS server's certificate chains up to a trusted CA but not that it names the host connected to,
 * so any certificate of that CA could pose as the server. Re-checked on 2.26.2: without it {@code NatsTlsHostnameTest}
 * fails (a server whose certificate names another host is accepted).</li>
 * <li>{@link io.fooweb.patch.jnats.ReplyBacklog}: jnats bounds its outgoing queue by message count (5,000), not bytes,
 * so a busy backend queued 1 MiB replies until its heap ran out. Test: {@code ReplyBacklogTest} (SIGSTOPs a real
 * nats-server with 40 MiB queued).</li>
 * <li>{@code io.nats.client.impl.ReaderThreadDispatch} (src/main/java/io/nats/client/impl): completes the replies of the
 * connection's request inbox on jnats' reader thread, without the inbox-dispatcher thread and its hand-off, and gives
 * the backend's consumer its messages there (jnats has no option for either). It must
 * live in jnats' package: the {@code DispatcherFactory} hook it implements is package-private, and it is written
 * against 2.26.2's message-queue internals. NatsOptions finds it by name and does without it where it cannot load.
 * Tests: {@code EventLoopTest} (the route goes on after the reply, on the event loop), {@code QueueConsumerTest}
 * (messages handled on the reader thread, a drain answers what the pool holds); its gain is the benchmark's.</li>
 * <li>{@link io.fooweb.patch.jnats.ReaderThreadWrites} (entry points: {@code publish}, called by the consumer, and
 * {@code dataPortTypeOrNull}, by NatsOptions): jnats writes every message on its writer thread, so each reply made on
 * the reader thread woke that thread; jnats has no way to write from the calling thread. This data port (jnats'
 * default one plus a lock) lets the reader thread write the replies it made itself, those of one socket read in one
 * write, just before it reads again. Test: {@code QueueConsumerTest} (such replies reach their callers and jnats'
 * writer sends none of them); its gain is the benchmark's. Could go if jnats offered a write on the caller's thread.</li>
 * </ul>
 */
package io.fooweb.patch.jnats;
