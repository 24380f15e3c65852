package io.fooweb.nats.hedge;

import java.util.concurrent.atomic.LongAdder;

/**
 * What hedging did, over all of a component's hedged endpoints: {@code sent} hedges (extra sends), requests a hedge
 * answered first ({@code won}), hedged requests the first send answered anyway ({@code lost}: the hedge was wasted),
 * and hedges the budget refused ({@code denied}). A hedged request that no send answered counts in neither won nor
 * lost.
 */
public final class HedgeCounts {

    final LongAdder sent = new LongAdder();
    final LongAdder won = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder denied = new LongAdder();

    public long sent() {
        return sent.sum();
    }

    public long won() {
        return won.sum();
    }

    public long lost() {
        return lost.sum();
    }

    public long denied() {
        return denied.sum();
    }
}
