package io.dreamscape.engine.region;

import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.ShardOctaves;
import io.dreamscape.service.Planner;
import io.dreamscape.stitch.Feather;
import io.dreamscape.worker.Worker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A split dream in one process, as the workflow runs it (base job, shard jobs, feathered assembly), for tests and
 * benchmarks: {@link #independent} is the old way (each shard its own dream of its halo rectangle, its own seed),
 * {@link #split} the new one (a base of the low octaves, shards refining the rest in the whole image's coordinates).
 */
public final class SplitHarness {
    private final GradientStep gradients;
    private final DreamParameters params;
    private final Path scratch;

    /** Seconds of the last run's base (0 without one) and of its slowest shard: the wall time with one GPU per shard. */
    public double lastBaseSeconds;
    public double lastMaxShardSeconds;

    public SplitHarness(GradientStep gradients, DreamParameters params, Path scratch) {
        this.gradients = gradients;
        this.params = params;
        this.scratch = scratch;
    }

    /** A cols × rows grid of cores grown by {@code halo}, cut by the planner's own rule (no work counted). */
    public static List<Shard> grid(int width, int height, int cols, int rows, int halo) {
        return Planner.cut(cols, rows, width, height, halo, withHalo -> 0);
    }

    public FloatPlanes whole(FloatPlanes image) {
        return new DreamEngine(gradients, params, scratch).dream(image, new DreamListener() { });
    }

    /** Before issue 11: each shard dreams its halo rectangle on its own, with its own seed. */
    public FloatPlanes independent(FloatPlanes image, List<Shard> shards) {
        List<FloatPlanes> results = new ArrayList<>();
        lastBaseSeconds = 0;
        lastMaxShardSeconds = 0;
        for (Shard s : shards) {
            long t0 = System.nanoTime();
            DreamParameters p = params.withSeed(Worker.shardSeed(params.seed(), shards.size(), s.index()));
            try (FloatPlanes crop = crop(image, s.withHalo())) {
                results.add(new DreamEngine(gradients, p, scratch).dream(crop, new DreamListener() { }));
            }
            lastMaxShardSeconds = Math.max(lastMaxShardSeconds, (System.nanoTime() - t0) / 1e9);
        }
        return blend(image.width(), image.height(), shards, results);
    }

    /** Issue 11: a base of octaves {@code 0 … first-1}, then each shard refines octaves {@code first … n-1}. */
    public FloatPlanes split(FloatPlanes image, List<Shard> shards, int first) {
        long t0 = System.nanoTime();
        FloatPlanes detail = first == 0 ? null
                : BaseDream.detail(image, params, first, gradients, scratch, new DreamListener() { }, null);
        lastBaseSeconds = (System.nanoTime() - t0) / 1e9;
        lastMaxShardSeconds = 0;
        try {
            List<FloatPlanes> results = new ArrayList<>();
            for (Shard s : shards) {
                long t1 = System.nanoTime();
                results.add(refine(image, s, first, detail));
                lastMaxShardSeconds = Math.max(lastMaxShardSeconds, (System.nanoTime() - t1) / 1e9);
            }
            return blend(image.width(), image.height(), shards, results);
        } finally {
            if (detail != null) detail.close();
        }
    }

    /** One shard's refinement, given the base's whole detail image. */
    public FloatPlanes refine(FloatPlanes image, Shard s, int first, FloatPlanes detail) {
        ShardOctaves o = ShardOctaves.of(image.width(), image.height(), s.withHalo(), first, params);
        try (FloatPlanes crop = crop(image, s.withHalo());
             FloatPlanes d = detail == null ? null : crop(detail, o.baseRegion())) {
            return new DreamEngine(gradients, params, scratch).withGeometry(new RegionGeometry(o, params, d))
                    .dream(crop, new DreamListener() { });
        }
    }

    public FloatPlanes crop(FloatPlanes image, Rect r) {
        FloatPlanes out = FloatPlanes.create(r.width(), r.height(), scratch);
        float[] row = new float[r.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < r.height(); y++) {
                image.get(c, r.y() + y, r.x(), row, 0, r.width());
                out.putRow(c, y, row);
            }
        }
        return out;
    }

    /** The assembler's feathered blend (Feather weights, normalised), in floats. */
    public FloatPlanes blend(int width, int height, List<Shard> shards, List<FloatPlanes> results) {
        FloatPlanes out = FloatPlanes.create(width, height, scratch);
        float[][] acc = new float[3][width];
        float[] weight = new float[width];
        float[] row = new float[width];
        for (int y = 0; y < height; y++) {
            for (float[] a : acc) java.util.Arrays.fill(a, 0f);
            java.util.Arrays.fill(weight, 0f);
            for (int i = 0; i < shards.size(); i++) {
                Rect h = shards.get(i).withHalo();
                if (y < h.y() || y >= h.bottom()) continue;
                float[] wx = Feather.horizontal(shards.get(i).core(), h);
                float wy = Feather.vertical(shards.get(i).core(), h)[y - h.y()];
                for (int c = 0; c < 3; c++) {
                    results.get(i).get(c, y - h.y(), 0, row, 0, h.width());
                    for (int x = 0; x < h.width(); x++) acc[c][h.x() + x] += wx[x] * wy * row[x];
                }
                for (int x = 0; x < h.width(); x++) weight[h.x() + x] += wx[x] * wy;
            }
            for (int c = 0; c < 3; c++) {
                for (int x = 0; x < width; x++) row[x] = acc[c][x] / weight[x];
                out.putRow(c, y, row);
            }
        }
        for (FloatPlanes r : results) r.close();
        return out;
    }

    /** The x of each vertical border and the y of each horizontal one between the shards' cores. */
    public static List<List<Integer>> borders(List<Shard> shards, int width, int height) {
        java.util.TreeSet<Integer> xs = new java.util.TreeSet<>();
        java.util.TreeSet<Integer> ys = new java.util.TreeSet<>();
        for (Shard s : shards) {
            if (s.core().x() > 0) xs.add(s.core().x());
            if (s.core().y() > 0) ys.add(s.core().y());
        }
        return List.of(new ArrayList<>(xs), new ArrayList<>(ys));
    }
}
