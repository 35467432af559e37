package io.dreamscape.service;

import java.util.Map;

/**
 * How the plan splits and prices a job. Environment (all optional): {@code GPU_WORK_UNITS_PER_SECOND} (throughput of
 * one GPU in work units; default 1.5e7, a GoogLeNet fwd+bwd of a 512² tile in ~17 ms on an A10G),
 * {@code TARGET_SHARD_SECONDS} (default 1800: a child should finish in half an hour), {@code MAX_SHARDS} (default 64),
 * {@code GPU_DOLLARS_PER_HOUR} (default 1.006, g5.xlarge on demand), {@code SHARD_OVERHEAD_SECONDS} (container start
 * and model load per child, default 60), {@code HALO_PIXELS} (overlap margin; default max(64, tile/2 + jitter)),
 * {@code MULTI_GPU_DEVICES} (GPUs of the deployment's multi-GPU instance, e.g. 4 for g5.12xlarge, as the CDK stack
 * sets it; default 1: no such instance, so local mode and `dreamscape plan` split as before), {@code MULTI_GPU_EFFICIENCY} (its speed-up per GPU, default 0.85, see {@link #DEFAULT_MULTI_GPU_EFFICIENCY}),
 * {@code MULTI_GPU_DOLLARS_PER_HOUR} (default 5.672, g5.12xlarge on demand).
 */
public record PlannerConfig(double workUnitsPerGpuSecond, double targetShardSeconds, int maxShards,
                            double dollarsPerGpuHour, double overheadSecondsPerShard, Integer haloPixels,
                            int multiGpuDevices, double multiGpuEfficiency, double multiGpuDollarsPerHour) {
    /**
     * Share of N× one GPU's speed that N GPUs reach on one image: windows are spread over the GPUs with no sync but the
     * step's end (one normaliser); the extra traffic is each batch's part of the image to its GPU and the gradient
     * cores back, ≈ 20 bytes per image pixel and step for 4 GPUs, through GPU 0's PCIe link, against ≈ 67 ms per
     * Mpx·step of kernels per GPU at the planner's speed; the loss is mostly the step-end wait for the last window
     * and the update on GPU 0 alone. An estimate: no multi-GPU machine was lent to measure it (docs/benchmarks.md).
     */
    public static final double DEFAULT_MULTI_GPU_EFFICIENCY = 0.85;
    public static final PlannerConfig DEFAULT = new PlannerConfig(1.5e7, 1800, 64, 1.006, 60, null, 1,
            DEFAULT_MULTI_GPU_EFFICIENCY, 5.672);

    /** Without the multi-GPU instance: every split is K one-GPU shards. */
    public PlannerConfig(double workUnitsPerGpuSecond, double targetShardSeconds, int maxShards,
                         double dollarsPerGpuHour, double overheadSecondsPerShard, Integer haloPixels) {
        this(workUnitsPerGpuSecond, targetShardSeconds, maxShards, dollarsPerGpuHour, overheadSecondsPerShard,
                haloPixels, 1, DEFAULT_MULTI_GPU_EFFICIENCY, 0);
    }

    public PlannerConfig {
        if (multiGpuDevices < 0) throw new IllegalArgumentException("MULTI_GPU_DEVICES must not be negative");
        if (!(multiGpuEfficiency > 0 && multiGpuEfficiency <= 1)) {
            throw new IllegalArgumentException("MULTI_GPU_EFFICIENCY must be in (0, 1]: " + multiGpuEfficiency);
        }
    }

    /** With the multi-GPU instance's settings replaced (the plan command's flags, tests). */
    public PlannerConfig withMultiGpu(int devices, double efficiency, double dollarsPerHour) {
        return new PlannerConfig(workUnitsPerGpuSecond, targetShardSeconds, maxShards, dollarsPerGpuHour,
                overheadSecondsPerShard, haloPixels, devices, efficiency, dollarsPerHour);
    }

    public static PlannerConfig fromEnv(Map<String, String> env) {
        return new PlannerConfig(
                Double.parseDouble(env.getOrDefault("GPU_WORK_UNITS_PER_SECOND", "1.5e7")),
                Double.parseDouble(env.getOrDefault("TARGET_SHARD_SECONDS", "1800")),
                Integer.parseInt(env.getOrDefault("MAX_SHARDS", "64")),
                Double.parseDouble(env.getOrDefault("GPU_DOLLARS_PER_HOUR", "1.006")),
                Double.parseDouble(env.getOrDefault("SHARD_OVERHEAD_SECONDS", "60")),
                env.containsKey("HALO_PIXELS") ? Integer.valueOf(env.get("HALO_PIXELS")) : null,
                Integer.parseInt(env.getOrDefault("MULTI_GPU_DEVICES", "1")),
                Double.parseDouble(env.getOrDefault("MULTI_GPU_EFFICIENCY", String.valueOf(DEFAULT_MULTI_GPU_EFFICIENCY))),
                Double.parseDouble(env.getOrDefault("MULTI_GPU_DOLLARS_PER_HOUR", "5.672")));
    }
}
