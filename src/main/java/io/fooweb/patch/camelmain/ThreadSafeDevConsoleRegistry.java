package io.fooweb.patch.camelmain;

import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.console.DevConsole;
import org.apache.camel.impl.console.DefaultDevConsoleRegistry;

/**
 * Camel's dev-console registry, safe to use from two threads. Camel's keeps its consoles in a plain TreeSet, and the
 * CLI connector's first task, scheduled as the context starts, resolves (and so adds) consoles while the context's
 * start iterates them: the start failed with a ConcurrentModificationException (seen once in a CI run). Every access
 * here holds this registry's lock, and {@link #stream()} streams a copy.
 */
public class ThreadSafeDevConsoleRegistry extends DefaultDevConsoleRegistry {

    @Override
    protected synchronized void doInit() throws Exception {
        super.doInit();
    }

    @Override
    protected synchronized void doStart() throws Exception {
        super.doStart();
    }

    @Override
    protected synchronized void doStop() throws Exception {
        super.doStop();
    }

    @Override
    public synchronized DevConsole resolveById(String id) {
        return super.resolveById(id);
    }

    @Override
    public synchronized boolean register(DevConsole console) {
        return super.register(console);
    }

    @Override
    public synchronized boolean unregister(DevConsole console) {
        return super.unregister(console);
    }

    @Override
    public synchronized void loadDevConsoles(boolean force) {
        super.loadDevConsoles(force);
    }

    @Override
    public synchronized Stream<DevConsole> stream() {
        List<DevConsole> copy = super.stream().toList();
        return copy.stream();
    }
}
