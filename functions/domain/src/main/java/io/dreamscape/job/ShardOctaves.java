package io.dreamscape.job;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one shard's octaves lie in the whole image's octave pyramid (plan version 2).
 *
 * <p>A split dream is one dream: a base job dreams octaves {@code 0 … first-1} of the whole image (the low octaves,
 * where the large structures form), and every shard dreams octaves {@code first … n-1} of its own region, in the
 * whole image's octave coordinates — octave {@code k} is {@link OctaveSizes#smallestFirst} of the whole image, and the
 * shard's part of it is {@link #region(int)}: its halo rectangle scaled to that octave and grown by {@link #PAD}
 * pixels (the bilinear taps of the next octave), clipped to the octave. Two shards therefore hold the same pixel
 * grid where they overlap, with the same tile grid drawn from (seed, octave, step) — so they compute the overlap the
 * same way except near their own region's edge, which the halo keeps away from the border.
 */
public record ShardOctaves(List<OctaveSizes.Size> whole, int first, List<Rect> regions) {
    /** Extra pixels around each coarser octave's region: the resampling taps that reach past the scaled rectangle. */
    public static final int PAD = 2;

    public ShardOctaves {
        whole = List.copyOf(whole);
        regions = List.copyOf(regions);
    }

    /** Octaves {@code first … n-1} of {@code halo} within a {@code width × height} image dreamed with {@code p}. */
    public static ShardOctaves of(int width, int height, Rect halo, int first, DreamParameters p) {
        List<OctaveSizes.Size> whole = OctaveSizes.smallestFirst(width, height, p.octaves(), p.octaveScale());
        int n = whole.size();
        if (first < 0 || first >= n) {
            throw new IllegalArgumentException("a shard refines octaves " + first + "…" + (n - 1) + " of " + n);
        }
        List<Rect> regions = new ArrayList<>();
        for (int k = first; k < n; k++) {
            regions.add(k == n - 1 ? halo : scaled(halo, width, height, whole.get(k)));
        }
        return new ShardOctaves(whole, first, regions);
    }

    /** The shard's region of whole-image octave {@code k} ({@code first ≤ k < n}). */
    public Rect region(int k) {
        return regions.get(k - first);
    }

    /** The sizes of the octaves the shard dreams, smallest first (what its engine and its progress count). */
    public List<OctaveSizes.Size> sizes() {
        List<OctaveSizes.Size> out = new ArrayList<>();
        for (Rect r : regions) out.add(new OctaveSizes.Size(r.width(), r.height()));
        return out;
    }

    /** Work units of the shard: each of its octaves' step work × steps (the windows are counted as for a whole image). */
    public long work(DreamParameters p) {
        List<OctaveSizes.Size> s = sizes();
        return OctaveSizes.workBefore(s, p, s.size() - 1, p.steps());
    }

    /**
     * The rectangle of octave {@code first - 1} (the base's last octave) whose detail the shard needs to start octave
     * {@code first}: every pixel the bilinear upscale of {@link #region(int) region(first)} reads.
     */
    public Rect baseRegion() {
        if (first == 0) throw new IllegalStateException("a shard that dreams every octave needs no base");
        OctaveSizes.Size src = whole.get(first - 1);
        OctaveSizes.Size dst = whole.get(first);
        Rect r = region(first);
        int[] xs = taps(src.width(), dst.width(), r.x(), r.right());
        int[] ys = taps(src.height(), dst.height(), r.y(), r.bottom());
        return new Rect(xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]);
    }

    /** Source pixels {@code [lo, hi)} read by the bilinear taps (half-pixel centres) of destination {@code [from, to)}. */
    static int[] taps(int srcLen, int dstLen, int from, int to) {
        double scale = (double) srcLen / dstLen;
        int lo = (int) Math.floor(Math.max(0, (from + 0.5) * scale - 0.5));
        int hi = (int) Math.floor(Math.max(0, (to - 0.5) * scale - 0.5)) + 2;
        return new int[] {Math.max(0, Math.min(lo, srcLen - 1)), Math.min(srcLen, hi)};
    }

    private static Rect scaled(Rect halo, int width, int height, OctaveSizes.Size s) {
        int x0 = Math.max(0, (int) Math.floor(halo.x() * (double) s.width() / width) - PAD);
        int y0 = Math.max(0, (int) Math.floor(halo.y() * (double) s.height() / height) - PAD);
        int x1 = Math.min(s.width(), (int) Math.ceil(halo.right() * (double) s.width() / width) + PAD);
        int y1 = Math.min(s.height(), (int) Math.ceil(halo.bottom() * (double) s.height() / height) + PAD);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }
}
