package io.dreamscape.job;

/**
 * The plan's cost estimate. {@code gpuSeconds} is the sum over shards (what is billed), {@code wallSeconds} the longest
 * shard (how long the dreaming takes when all children run at once). Throughput and price are the plan's configuration.
 */
public record Estimate(double gpuSeconds, double wallSeconds, double costUsd, double workUnitsPerGpuSecond,
                       double dollarsPerGpuHour) {
}
