package io.dreamscape.service;

import java.util.Map;

/**
 * How the plan splits and prices a job. Environment (all optional): {@code GPU_WORK_UNITS_PER_SECOND} (throughput of
 * one GPU in work units; default 1.5e7, a GoogLeNet fwd+bwd of a 512² tile in ~17 ms on an A10G),
 * {@code TARGET_SHARD_SECONDS} (default 1800: a child should finish in half an hour), {@code MAX_SHARDS} (default 64),
 * {@code GPU_DOLLARS_PER_HOUR} (default 1.006, g5.xlarge on demand), {@code SHARD_OVERHEAD_SECONDS} (container start
 * and model load per child, default 60), {@code HALO_PIXELS} (overlap margin; default max(64, tile/2 + jitter)).
 */
public record PlannerConfig(double workUnitsPerGpuSecond, double targetShardSeconds, int maxShards,
                            double dollarsPerGpuHour, double overheadSecondsPerShard, Integer haloPixels) {
    public static final PlannerConfig DEFAULT = new PlannerConfig(1.5e7, 1800, 64, 1.006, 60, null);

    public static PlannerConfig fromEnv(Map<String, String> env) {
        return new PlannerConfig(
                Double.parseDouble(env.getOrDefault("GPU_WORK_UNITS_PER_SECOND", "1.5e7")),
                Double.parseDouble(env.getOrDefault("TARGET_SHARD_SECONDS", "1800")),
                Integer.parseInt(env.getOrDefault("MAX_SHARDS", "64")),
                Double.parseDouble(env.getOrDefault("GPU_DOLLARS_PER_HOUR", "1.006")),
                Double.parseDouble(env.getOrDefault("SHARD_OVERHEAD_SECONDS", "60")),
                env.containsKey("HALO_PIXELS") ? Integer.valueOf(env.get("HALO_PIXELS")) : null);
    }
}
