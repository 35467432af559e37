package io.dreamscape.service;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctavePass;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.ShardOctaves;
import io.dreamscape.job.Source;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Pure planning: octaves, work, cost and the shard split. K = 1 when one GPU finishes within the target time;
 * else, when the multi-GPU instance ({@link PlannerConfig#multiGpuDevices} GPUs at
 * {@link PlannerConfig#multiGpuEfficiency}) finishes the whole image within the target, one shard on all its GPUs
 * (one dream, no borders, no halo work twice); otherwise the image is cut into a near-square grid of K cores, each
 * grown by the halo, with K raised until every child's estimate (its halo rectangle's work) fits the target or
 * {@code maxShards} is reached.
 *
 * <p>A split dream (K ≥ 2, plan version 2) is one dream: a base job dreams the low octaves of the whole image once
 * ({@link #SHARD_OCTAVES}: the shards dream the last octave(s) of their regions in the whole image's coordinates, see
 * {@link ShardOctaves}). A child's estimate is then its refinement's work; the base runs before them.
 * Wrap: shards of a 360° panorama ({@code wrap x}) are full-width bands and those of {@code wrap y} full-height
 * columns, so each shard wraps onto the real opposite edge; {@code wrap xy} (a seamless texture) is never split.
 */
public final class Planner {
    /**
     * How many of the last octaves the shards dream (the base dreams the others). Measured (docs/benchmarks.md,
     * "Shard borders"): with 1 the borders keep ≥ 0.9 of the image's detail for K = 4 and 9; with 2 they do not
     * everywhere. Amdahl: the base is then ~48 % of the work at the default octave scale, so K shards buy at most
     * ~2× in wall time — the price of one dream instead of a mosaic.
     */
    public static final int SHARD_OCTAVES = 1;

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
                List<Shard> one = cut(1, 1, width, height, 0, p, 0);
                double sec = wall + config.overheadSecondsPerShard();
                // Billed: the instance's hourly price for the wall time; GPU seconds: all its GPUs held that long.
                Estimate estimate = new Estimate(round(n * sec), round(sec),
                        Math.round(sec / 3600 * config.multiGpuDollarsPerHour() * 1000) / 1000.0,
                        config.workUnitsPerGpuSecond(), config.multiGpuDollarsPerHour());
                return new Plan(Plan.VERSION, id, source, format, width, height, p,
                        OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale()), 0, one, whole, estimate,
                        now.toString(), OctavePass.of(width, height, p), n, 0, 0);
            }
        }
        List<OctaveSizes.Size> sizes = OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale());
        int first = Math.max(0, sizes.size() - SHARD_OCTAVES);
        long baseWork = OctaveSizes.workBefore(sizes, p, first, 0);
        int k = Math.max(1, (int) Math.ceil(seconds(whole) / config.targetShardSeconds()));
        // Split at all only when the whole dream misses the target; then the shards share the work above the base.
        if (k > 1) k = Math.max(2, (int) Math.ceil(seconds(whole - baseWork) / config.targetShardSeconds()));
        k = Math.min(k, config.maxShards());
        boolean wholeTexture = p.wrap().horizontal() && p.wrap().vertical(); // both edges meet: no band can hold both
        if (wholeTexture) k = 1;
        List<Shard> shards;
        int usedHalo;
        while (true) {
            int[] grid = wrapGrid(grid(k, width, height, config.maxShards()), k, width, height, p);
            int cols = grid[0];
            int rows = grid[1];
            usedHalo = halo;
            if (cols > 1) usedHalo = Math.min(usedHalo, width / cols / 2);
            if (rows > 1) usedHalo = Math.min(usedHalo, height / rows / 2);
            shards = cut(cols, rows, width, height, usedHalo, p, first);
            long max = shards.stream().mapToLong(Shard::work).max().orElse(0);
            if (wholeTexture || seconds(max) <= config.targetShardSeconds() || k >= config.maxShards()
                    || cols * rows >= config.maxShards()) {
                break;
            }
            k = Math.max(k, cols * rows) + 1;
        }
        boolean split = shards.size() > 1;
        int baseOctaves = split ? first : 0;
        long base = baseOctaves > 0 ? baseWork : 0;
        long total = base + shards.stream().mapToLong(Shard::work).sum();
        double gpu = 0;
        double wall = 0;
        for (Shard s : shards) {
            double sec = seconds(s.work()) + config.overheadSecondsPerShard();
            gpu += sec;
            wall = Math.max(wall, sec);
        }
        if (base > 0) {
            // The base runs before the shards: its time adds to the wall time.
            double sec = seconds(base) + config.overheadSecondsPerShard();
            gpu += sec;
            wall += sec;
        }
        Estimate estimate = new Estimate(round(gpu), round(wall), Math.round(gpu / 3600 * config.dollarsPerGpuHour() * 1000) / 1000.0,
                config.workUnitsPerGpuSecond(), config.dollarsPerGpuHour());
        return new Plan(Plan.VERSION, id, source, format, width, height, p,
                sizes, split ? usedHalo : 0, shards, total, estimate, now.toString(), OctavePass.of(width, height, p),
                1, baseOctaves, base);
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

    /** With wrap, shards span the wrapped axis: full-width bands ({@code x}) or full-height columns ({@code y}). */
    static int[] wrapGrid(int[] grid, int k, int width, int height, DreamParameters p) {
        if (p.wrap().horizontal() && !p.wrap().vertical()) {
            return new int[] {1, Math.max(1, Math.min(Math.min(k, height / 2), Math.max(grid[0] * grid[1], 1)))};
        }
        if (p.wrap().vertical() && !p.wrap().horizontal()) {
            return new int[] {Math.max(1, Math.min(Math.min(k, width / 2), Math.max(grid[0] * grid[1], 1))), 1};
        }
        return grid;
    }

    /** The cells' shards; with several, each one's work is its refinement from octave {@code first} on. */
    static List<Shard> cut(int cols, int rows, int width, int height, int halo, DreamParameters p, int first) {
        return cut(cols, rows, width, height, halo, withHalo -> cols * rows == 1
                ? OctaveSizes.totalWork(width, height, p) : ShardOctaves.of(width, height, withHalo, first, p).work(p));
    }

    /** The planner's grid: cols × rows cores, each grown by {@code halo} (unless alone), its work from {@code work}. */
    public static List<Shard> cut(int cols, int rows, int width, int height, int halo, ToLongFunction<Rect> work) {
        List<Shard> shards = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int y0 = (int) ((long) r * height / rows);
            int y1 = (int) ((long) (r + 1) * height / rows);
            for (int c = 0; c < cols; c++) {
                int x0 = (int) ((long) c * width / cols);
                int x1 = (int) ((long) (c + 1) * width / cols);
                Rect core = new Rect(x0, y0, x1 - x0, y1 - y0);
                Rect withHalo = cols * rows == 1 ? core : core.grow(halo, width, height);
                shards.add(new Shard(shards.size(), core, withHalo, work.applyAsLong(withHalo)));
            }
        }
        return shards;
    }
}
