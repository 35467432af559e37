package io.dreamscape.engine.tiles;

import io.dreamscape.job.OctaveSizes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decides, for one step, which tiles cover the image. Each axis is handled on its own:
 * <ul>
 * <li>jitter: the covered range starts {@code a} pixels before the image, {@code a} uniform in [0, jitter]. With wrap
 * the range is {@code [-a, n-a)}, exactly google/deepdream's {@code np.roll}; without wrap it is
 * {@code [-a, n + jitter - a)}, mirrored beyond the borders, so the content still shifts against the network's
 * pixel grid but no pixel from the opposite edge leaks in;</li>
 * <li>if the range fits in one tile it is one tile (then the step is exactly the classic untiled step);</li>
 * <li>otherwise the range is cut every {@code tile} pixels from a random phase, so tile borders move on every step,
 * and each window carries {@link OctaveSizes#contextMargin} pixels of context around its core (the network sees
 * real neighbours, not zero padding, at the core's edge; only the core's gradient is kept); an end piece shorter
 * than {@code minWindow} gets a wider window.</li>
 * </ul>
 * The geometry itself is {@link OctaveSizes#axisWindows}, shared with the plan's work count.
 * Every coordinate of the range lies in exactly one tile core, so every image pixel gets a gradient on every step.
 */
public final class TileScheduler {
    private final int tile;
    private final int jitter;
    private final Edges edges;
    private final int minWindow;

    public TileScheduler(int tile, int jitter, EdgeMode edges, int minWindow) {
        this(tile, jitter, Edges.both(edges), minWindow);
    }

    /** A scheduler whose axes wrap or mirror each on their own (a 360° panorama wraps only across its width). */
    public TileScheduler(int tile, int jitter, Edges edges, int minWindow) {
        if (tile < 1 || jitter < 0 || minWindow < 1) throw new IllegalArgumentException("bad tiling " + tile + "/" + jitter);
        this.tile = tile;
        this.jitter = jitter;
        this.edges = edges;
        this.minWindow = Math.min(minWindow, tile);
    }

    /** The random draws of one step, taken in a fixed order so that a step can be replayed exactly. */
    public record Draws(int shiftX, int shiftY, int phaseX, int phaseY) {
        public static Draws draw(SplittableRandom rng, int jitter, int tile) {
            int ax = rng.nextInt(jitter + 1);
            int ay = rng.nextInt(jitter + 1);
            int px = rng.nextInt(tile);
            int py = rng.nextInt(tile);
            return new Draws(ax, ay, px, py);
        }
    }

    public Draws draw(SplittableRandom rng) {
        return Draws.draw(rng, jitter, tile);
    }

    public Edges edges() {
        return edges;
    }

    public List<Tile> tiles(int width, int height, Draws d) {
        List<AxisSpan> xs = axis(width, d.shiftX(), d.phaseX(), edges.x());
        List<AxisSpan> ys = axis(height, d.shiftY(), d.phaseY(), edges.y());
        List<Tile> out = new ArrayList<>(xs.size() * ys.size());
        for (AxisSpan y : ys) {
            for (AxisSpan x : xs) {
                out.add(new Tile(x, y));
            }
        }
        return out;
    }

    List<AxisSpan> axis(int n, int shift, int phase, EdgeMode mode) {
        int[][] w = OctaveSizes.axisWindows(n, tile, jitter, mode == EdgeMode.WRAP, minWindow, shift, phase);
        List<AxisSpan> spans = new ArrayList<>(w.length);
        for (int[] s : w) spans.add(new AxisSpan(s[0], s[1], s[2], s[3]));
        return spans;
    }
}
