package io.dreamscape.service;

import java.util.Map;

/**
 * What one upload may order, whatever its parameters say: {@code maxPixels} (the service-wide ceiling; an upload's own
 * {@code maxPixels} can only lower it) and {@code maxTotalWork} (work units = pixels × steps summed over octaves, see
 * {@link io.dreamscape.job.OctaveSizes#totalWork}). Environment: {@code MAX_PIXELS}, {@code MAX_TOTAL_WORK}.
 */
public record Limits(long maxPixels, long maxTotalWork) {
    public static final Limits DEFAULT = new Limits(1_000_000_000L, 50_000_000_000L);

    public static Limits fromEnv(Map<String, String> env) {
        return new Limits(
                Long.parseLong(env.getOrDefault("MAX_PIXELS", Long.toString(DEFAULT.maxPixels))),
                Long.parseLong(env.getOrDefault("MAX_TOTAL_WORK", Long.toString(DEFAULT.maxTotalWork))));
    }
}
