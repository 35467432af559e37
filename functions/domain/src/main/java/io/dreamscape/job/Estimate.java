package io.dreamscape.job;

/**
 * The plan's cost estimate. {@code gpuSeconds} is the sum over shards (what is billed), {@code wallSeconds} the longest
 * shard (how long the dreaming takes when all children run at once). Throughput and price are the plan's configuration.
 * {@code actual} is null until the job is assembled: then what the workers really used (see {@link Actual}).
 */
public record Estimate(double gpuSeconds, double wallSeconds, double costUsd, double workUnitsPerGpuSecond,
                       double dollarsPerGpuHour, Actual actual) {

    public Estimate(double gpuSeconds, double wallSeconds, double costUsd, double workUnitsPerGpuSecond,
                    double dollarsPerGpuHour) {
        this(gpuSeconds, wallSeconds, costUsd, workUnitsPerGpuSecond, dollarsPerGpuHour, null);
    }

    /**
     * What the job's workers used, summed over shards and attempts ({@link ShardUsage}): {@code gpuSeconds} the time
     * GPU instances were held by workers, {@code costUsd} that at the plan's price; {@code workUnitsPerGpuSecond}
     * the engine's measured speed (units / seconds inside the engine) and {@code overheadSecondsPerShard} the rest
     * (download, model load, upload) — the two figures the planner's configuration should be calibrated to.
     */
    public record Actual(double gpuSeconds, double costUsd, int attempts, double workUnitsPerGpuSecond,
                         double overheadSecondsPerShard) {
    }

    public Estimate withActual(Actual a) {
        return new Estimate(gpuSeconds, wallSeconds, costUsd, workUnitsPerGpuSecond, dollarsPerGpuHour, a);
    }
}
