package io.dreamscape.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * A small fixed pool for the engine's parallel host work (windows of a step, bands of rows). With one worker it
 * runs everything on the caller's thread. Results come back in task order, so callers can combine them
 * deterministically.
 */
final class ParallelRows implements AutoCloseable {
    private final int workers;
    private final ExecutorService pool;

    ParallelRows(int workers) {
        this.workers = Math.max(1, workers);
        this.pool = this.workers == 1 ? null : Executors.newFixedThreadPool(this.workers, r -> {
            Thread t = new Thread(r, "dream-worker");
            t.setDaemon(true);
            return t;
        });
    }

    int workers() {
        return workers;
    }

    /** Runs {@code task(0..n-1)} and returns the results in index order; the first failure is rethrown. */
    <T> List<T> run(int n, IntFunction<T> task) {
        List<T> out = new ArrayList<>(n);
        if (pool == null || n == 1) {
            for (int i = 0; i < n; i++) out.add(task.apply(i));
            return out;
        }
        List<Future<T>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(pool.submit(() -> task.apply(k)));
        }
        RuntimeException failure = null;
        for (int i = 0; i < n; i++) {
            try {
                out.add(futures.get(i).get());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = new IllegalStateException("interrupted", e);
            }
        }
        if (failure != null) throw failure;
        return out;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
