package io.dreamscape.service;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctavePass;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure planning: octaves, work, cost and the shard split. K = 1 when one GPU finishes within the target time;
 * else, when the multi-GPU instance ({@link PlannerConfig#multiGpuDevices} GPUs at
 * {@link PlannerConfig#multiGpuEfficiency}) finishes the whole image within the target, one shard on all its GPUs
 * (one dream, no borders, no halo work twice); otherwise the image is cut into a near-square grid of K cores, each
 * grown by the halo, with K raised until every child's estimate (its halo rectangle's work) fits the target or
 * {@code maxShards} is reached.
 */
public final class Planner {
    private final PlannerConfig config;

    public Planner(PlannerConfig config) {
        this.config = config;
    }

    public Plan plan(JobId id, Source source, String format, int width, int height, DreamParameters p, Instant now) {
        if (p.seed() == null) {
            throw new IllegalArgumentException("the seed is chosen before planning");
        }
        // Half a tile, the jitter and the windows' context margin: the overlap two shards compute the same way.
        int halo = config.haloPixels() != null ? config.haloPixels()
                : Math.max(64, p.tile() / 2 + p.jitter() + OctaveSizes.contextMargin(p.tile()));
        long whole = OctaveSizes.totalWork(width, height, p);
        if (seconds(whole) > config.targetShardSeconds() && config.multiGpuDevices() >= 2) {
            int n = config.multiGpuDevices();
            double wall = multiGpuSeconds(whole, n);
            if (wall <= config.targetShardSeconds()) {
                List<Shard> one = cut(1, 1, width, height, 0, p);
                double sec = wall + config.overheadSecondsPerShard();
                // Billed: the instance's hourly price for the wall time; GPU seconds: all its GPUs held that long.
                Estimate estimate = new Estimate(round(n * sec), round(sec),
                        Math.round(sec / 3600 * config.multiGpuDollarsPerHour() * 1000) / 1000.0,
                        config.workUnitsPerGpuSecond(), config.multiGpuDollarsPerHour());
                return new Plan(Plan.VERSION, id, source, format, width, height, p,
                        OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale()), 0, one, whole, estimate,
                        now.toString(), OctavePass.of(width, height, p), n);
            }
        }
        int k = Math.max(1, (int) Math.ceil(seconds(whole) / config.targetShardSeconds()));
        k = Math.min(k, config.maxShards());
        List<Shard> shards;
        int usedHalo;
        while (true) {
            int[] grid = grid(k, width, height, config.maxShards());
            int cols = grid[0];
            int rows = grid[1];
            usedHalo = halo;
            if (cols > 1) usedHalo = Math.min(usedHalo, width / cols / 2);
            if (rows > 1) usedHalo = Math.min(usedHalo, height / rows / 2);
            shards = cut(cols, rows, width, height, usedHalo, p);
            long max = shards.stream().mapToLong(Shard::work).max().orElse(0);
            if (seconds(max) <= config.targetShardSeconds() || k >= config.maxShards()
                    || cols * rows >= config.maxShards()) {
                break;
            }
            k = Math.max(k, cols * rows) + 1;
        }
        long total = shards.stream().mapToLong(Shard::work).sum();
        double gpu = 0;
        double wall = 0;
        for (Shard s : shards) {
            double sec = seconds(s.work()) + config.overheadSecondsPerShard();
            gpu += sec;
            wall = Math.max(wall, sec);
        }
        Estimate estimate = new Estimate(round(gpu), round(wall), Math.round(gpu / 3600 * config.dollarsPerGpuHour() * 1000) / 1000.0,
                config.workUnitsPerGpuSecond(), config.dollarsPerGpuHour());
        return new Plan(Plan.VERSION, id, source, format, width, height, p,
                OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale()), shards.size() > 1 ? usedHalo : 0,
                shards, total, estimate, now.toString(), OctavePass.of(width, height, p));
    }

    private double seconds(long work) {
        return work / config.workUnitsPerGpuSecond();
    }

    /** Dreaming time of {@code work} on {@code n} GPUs of one instance: n × one GPU's speed × the efficiency. */
    private double multiGpuSeconds(long work, int n) {
        return seconds(work) / (n * config.multiGpuEfficiency());
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Columns and rows for about k cells of near-square shape, never more cells than pixels nor than maxCells. */
    static int[] grid(int k, int width, int height, int maxCells) {
        int cols = (int) Math.max(1, Math.round(Math.sqrt(k * (double) width / height)));
        cols = Math.min(cols, Math.max(1, width / 2));
        int rows = (int) Math.ceil(k / (double) cols);
        rows = Math.min(rows, Math.max(1, height / 2));
        // rows = ceil(k / cols) can overshoot k (e.g. 7 × 10 = 70 for k = 64): trim the longer side.
        while (cols * rows > maxCells) {
            if (rows >= cols) rows--;
            else cols--;
        }
        return new int[] {cols, rows};
    }

    static List<Shard> cut(int cols, int rows, int width, int height, int halo, DreamParameters p) {
        List<Shard> shards = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int y0 = (int) ((long) r * height / rows);
            int y1 = (int) ((long) (r + 1) * height / rows);
            for (int c = 0; c < cols; c++) {
                int x0 = (int) ((long) c * width / cols);
                int x1 = (int) ((long) (c + 1) * width / cols);
                Rect core = new Rect(x0, y0, x1 - x0, y1 - y0);
                Rect withHalo = cols * rows == 1 ? core : core.grow(halo, width, height);
                shards.add(new Shard(shards.size(), core, withHalo,
                        OctaveSizes.totalWork(withHalo.width(), withHalo.height(), p)));
            }
        }
        return shards;
    }
}
