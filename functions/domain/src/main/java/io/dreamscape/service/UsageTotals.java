package io.dreamscape.service;

import io.dreamscape.job.Estimate;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.ShardUsage;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import java.io.IOException;

/**
 * Sums what the workers of a job recorded ({@link ShardUsage}, one object per shard, every attempt) into the
 * {@link Estimate.Actual} shown next to the estimate. Null when no shard recorded anything (a job dreamed by workers
 * older than the usage records).
 *
 * <p>Calibrating the planner from completed jobs: {@code actual.workUnitsPerGpuSecond} is the engine's measured speed
 * on that job's GPU (units dreamed / seconds inside the engine) — set {@code GPU_WORK_UNITS_PER_SECOND} to a typical
 * (median) value over recent jobs of the same model and tile size; {@code actual.overheadSecondsPerShard} is the rest of
 * a worker's time (download, decode, model load, result upload) — set {@code SHARD_OVERHEAD_SECONDS} to it.
 */
final class UsageTotals {
    private UsageTotals() {
    }

    static Estimate.Actual of(ObjectStore objects, JobId id, Plan plan) throws IOException {
        double wall = 0;
        double dream = 0;
        long units = 0;
        int attempts = 0;
        int recorded = 0;
        for (Shard s : plan.shards()) {
            String key = StorageLayout.shardUsageKey(id, s.index());
            if (objects.head(key).isEmpty()) continue;
            ShardUsage u = ShardUsage.fromJson(objects.getBytes(key));
            recorded++;
            wall += u.wallSeconds();
            dream += u.dreamSeconds();
            units += u.units();
            attempts += u.attempts().size();
        }
        if (recorded == 0) return null;
        double price = plan.estimate() == null ? 0 : plan.estimate().dollarsPerGpuHour();
        return new Estimate.Actual(round(wall), Math.round(wall / 3600 * price * 1000) / 1000.0, attempts,
                dream > 0 ? Math.round(units / dream) : 0, round(Math.max(0, wall - dream) / recorded));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
