package io.dreamscape.engine.region;

import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.OctaveGeometry;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.AxisSpan;
import io.dreamscape.engine.tiles.Tile;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Rect;
import io.dreamscape.job.ShardOctaves;
import java.util.ArrayList;
import java.util.List;

/**
 * One shard's part of a split dream: the engine dreams octaves {@code first … n-1} of the shard's region
 * ({@link ShardOctaves}) in the whole image's coordinates.
 * <ul>
 * <li>bases and the carried detail are resampled with the whole image's taps ({@link RegionResampler});</li>
 * <li>the first octave starts from its base plus the base job's dreamed detail (octave {@code first - 1} of the whole
 * image, working − base), or from the base alone when the shard dreams every octave;</li>
 * <li>each step's tiles are the whole image's grid, drawn from (seed, octave, step) exactly as an unsplit dream draws
 * them; the shard computes the windows whose core meets its region. A window that reaches past the region's inner
 * edge sees the region mirrored there — the only place where the shard's view differs from the whole image's.</li>
 * </ul>
 * The step normaliser stays the engine's: mean |gradient| over the shard's region (see docs/benchmarks.md for what
 * that costs against one global normaliser). Wrap needs the region to span the wrapped axis (the planner cuts
 * such images into full-width or full-height bands).
 */
public final class RegionGeometry implements OctaveGeometry {
    private final ShardOctaves octaves;
    private final DreamParameters params;
    private final FloatPlanes detail;
    private final Rect detailRect;

    /**
     * @param detail the base job's detail over {@link ShardOctaves#baseRegion()} (null when {@code first == 0})
     */
    public RegionGeometry(ShardOctaves octaves, DreamParameters params, FloatPlanes detail) {
        if ((octaves.first() > 0) != (detail != null)) {
            throw new IllegalArgumentException(octaves.first() > 0 ? "a shard that starts at octave " + octaves.first()
                    + " needs the base's detail" : "a shard that dreams every octave takes no base detail");
        }
        this.octaves = octaves;
        this.params = params;
        this.detail = detail;
        this.detailRect = detail == null ? null : octaves.baseRegion();
        if (detail != null && (detail.width() != detailRect.width() || detail.height() != detailRect.height())) {
            throw new IllegalArgumentException("the base detail is " + detail.width() + "×" + detail.height()
                    + ", the shard needs " + detailRect.width() + "×" + detailRect.height());
        }
        int n = octaves.whole().size();
        for (int k = octaves.first(); k < n; k++) {
            OctaveSizes.Size s = octaves.whole().get(k);
            Rect r = octaves.region(k);
            if (params.wrap().horizontal() && r.width() != s.width()) {
                throw new IllegalArgumentException("wrap across the width needs shards that span the whole width");
            }
            if (params.wrap().vertical() && r.height() != s.height()) {
                throw new IllegalArgumentException("wrap across the height needs shards that span the whole height");
            }
        }
    }

    @Override
    public List<OctaveSizes.Size> sizes(int width, int height, int count, double octaveScale) {
        Rect last = octaves.region(octaves.whole().size() - 1);
        if (width != last.width() || height != last.height()) {
            throw new IllegalArgumentException("the shard's input is " + width + "×" + height + ", its region "
                    + last.width() + "×" + last.height());
        }
        return octaves.sizes();
    }

    @Override
    public void downscale(FloatPlanes finer, int k, FloatPlanes coarser) {
        int g = octaves.first() + k;
        OctaveSizes.Size src = octaves.whole().get(g + 1);
        OctaveSizes.Size dst = octaves.whole().get(g);
        RegionResampler.transfer(finer, null, octaves.region(g + 1), src.width(), src.height(),
                null, coarser, octaves.region(g), dst.width(), dst.height());
    }

    @Override
    public void transfer(FloatPlanes working, FloatPlanes previousBase, FloatPlanes base, int k, FloatPlanes next) {
        int g = octaves.first() + k;
        OctaveSizes.Size src = octaves.whole().get(g - 1);
        OctaveSizes.Size dst = octaves.whole().get(g);
        RegionResampler.transfer(working, previousBase, octaves.region(g - 1), src.width(), src.height(),
                base, next, octaves.region(g), dst.width(), dst.height());
    }

    @Override
    public void start(FloatPlanes firstBase, FloatPlanes working) {
        if (detail == null) {
            working.copyFrom(firstBase);
            return;
        }
        int g = octaves.first();
        OctaveSizes.Size src = octaves.whole().get(g - 1);
        OctaveSizes.Size dst = octaves.whole().get(g);
        RegionResampler.transfer(detail, null, detailRect, src.width(), src.height(),
                firstBase, working, octaves.region(g), dst.width(), dst.height());
    }

    @Override
    public List<Tile> tiles(TileScheduler scheduler, long seed, int k, int step, int width, int height) {
        int g = octaves.first() + k;
        OctaveSizes.Size whole = octaves.whole().get(g);
        Rect r = octaves.region(g);
        TileScheduler.Draws d = scheduler.draw(DreamEngine.stepRandom(seed, g, step));
        List<AxisSpan> xs = axis(whole.width(), r.x(), r.width(), d.shiftX(), d.phaseX(), params.wrap().horizontal());
        List<AxisSpan> ys = axis(whole.height(), r.y(), r.height(), d.shiftY(), d.phaseY(), params.wrap().vertical());
        List<Tile> out = new ArrayList<>(xs.size() * ys.size());
        for (AxisSpan y : ys) {
            for (AxisSpan x : xs) out.add(new Tile(x, y));
        }
        return out;
    }

    /** The whole axis's windows whose core meets {@code [from, from + len)}, in the region's coordinates. */
    private List<AxisSpan> axis(int n, int from, int len, int shift, int phase, boolean wrap) {
        int[][] w = OctaveSizes.axisWindows(n, params.tile(), params.jitter(), wrap, DreamEngine.MIN_WINDOW, shift, phase);
        List<AxisSpan> out = new ArrayList<>();
        for (int[] s : w) {
            int coreStart = s[2];
            int coreEnd = s[2] + s[3];
            if (coreEnd <= from || coreStart >= from + len) continue;
            out.add(new AxisSpan(s[0] - from, s[1], coreStart - from, s[3]));
        }
        return out;
    }
}
