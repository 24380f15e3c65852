package io.fooweb;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counts successful /req answers; exact under concurrency (the original's plain int lost increments). */
public class RequestCounter {

    private final LongAdder successes = new LongAdder();

    public void increment() {
        successes.increment();
    }

    public Map<String, Object> stats() {
        return Map.of("req_counter", successes.sum());
    }
}
