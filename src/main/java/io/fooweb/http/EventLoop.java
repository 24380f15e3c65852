package io.fooweb.http;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The web's routes run on the Vert.x event loop of their request, where no step may block: a step that must block
 * (a wait, a file, a lock held by others) goes through here and continues on the event loop when done.
 */
public final class EventLoop {

    private EventLoop() {
    }

    /** {@code work}, which blocks, on a Vert.x worker thread; its result comes back on the calling event loop. */
    public static <T> CompletionStage<T> offEventLoop(Callable<T> work) {
        Context context = Vertx.currentContext();
        if (context == null) {
            try {
                return CompletableFuture.completedFuture(work.call());
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return context.executeBlocking(work, false).toCompletionStage();
    }
}
