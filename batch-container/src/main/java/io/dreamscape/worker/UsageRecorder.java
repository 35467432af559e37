package io.dreamscape.worker;

import io.dreamscape.job.JobId;
import io.dreamscape.job.ShardUsage;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;

/**
 * Records what this attempt of a shard uses into {@code jobs/{id}/usage/{shard}.json} ({@link ShardUsage}): the
 * earlier attempts' entries are read once at the start and kept; this attempt's entry is rewritten at every
 * {@link #save}. Attempts of one shard run one after another (Batch retries), so read-modify-write is safe. A failed
 * write is logged and retried at the next save: usage is for the bill, never a reason to fail the dream.
 */
final class UsageRecorder {
    private final ObjectStore objects;
    private final String key;
    private final String device;
    private final JsonLog log;
    private final long startNanos = System.nanoTime();
    private ShardUsage usage;
    private final int attempt;
    private long dreamNanos;
    private long units;

    UsageRecorder(ObjectStore objects, JobId id, int shard, String device, JsonLog log) {
        this.objects = objects;
        this.key = StorageLayout.shardUsageKey(id, shard);
        this.device = device;
        this.log = log;
        ShardUsage earlier = new ShardUsage(null);
        try {
            if (objects.head(key).isPresent()) {
                earlier = ShardUsage.fromJson(objects.getBytes(key));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not read the shard's earlier usage; counting this attempt alone", "error", String.valueOf(e.getMessage()));
        }
        this.usage = earlier;
        this.attempt = earlier.attempts().size();
    }

    int attempt() {
        return attempt;
    }

    /** Time spent in the engine and the units it dreamed so far in this attempt. */
    void dreaming(long dreamNanos, long units) {
        this.dreamNanos = dreamNanos;
        this.units = units;
    }

    void save() {
        usage = usage.with(attempt, new ShardUsage.Attempt((System.nanoTime() - startNanos) / 1e9, dreamNanos / 1e9, units, device));
        try {
            objects.put(key, usage.toJson(), "application/json");
        } catch (IOException | RuntimeException e) {
            log.warn("could not record the shard's usage", "error", String.valueOf(e.getMessage()));
        }
    }
}
