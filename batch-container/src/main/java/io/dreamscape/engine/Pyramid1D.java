package io.dreamscape.engine;

import io.dreamscape.engine.tiles.EdgeMode;

/**
 * The one-axis filters of the Laplacian pyramid ({@link LaplacianNormalizer}, {@link LaplacianTensors}), written once
 * so both engine paths compute the same float expressions in the same order.
 *
 * <ul>
 *   <li>down: {@code out[j] = Σ_t k[t]·in(2j + t)}, t = −2..2, k = [1,4,6,4,1]/16, {@code ceil(n/2)} samples;</li>
 *   <li>up (the transposed filter ×2): {@code out[2j] = (lo(j−1) + 6·lo(j) + lo(j+1))/8},
 *       {@code out[2j+1] = (lo(j) + lo(j+1))/2};</li>
 * </ul>
 * where samples beyond an end come from the axis's {@link EdgeMode} (at the level's own size).
 */
final class Pyramid1D {
    static final float K0 = 1f / 16;
    static final float K1 = 4f / 16;
    static final float K2 = 6f / 16;

    private Pyramid1D() {
    }

    /**
     * How many detail bands an image of w×h gets: {@code wanted}, but no level below 1×1 (a 1×1 level split again
     * would give a band that is zero but for round-off).
     */
    static int depth(int w, int h, int wanted) {
        int d = 0;
        while (d < wanted && (w > 1 || h > 1)) {
            w = half(w);
            h = half(h);
            d++;
        }
        return d;
    }

    /** The size of the next coarser level. */
    static int half(int n) {
        return (n + 1) / 2;
    }

    /** {@code out} (length {@code half(in.length)}) = the downsampled {@code in}; {@code ext} is scratch of n + 4. */
    static void down(float[] in, float[] ext, float[] out, EdgeMode edges) {
        int n = in.length;
        System.arraycopy(in, 0, ext, 2, n);
        for (int p = -2; p < 0; p++) ext[p + 2] = in[edges.source(p, n)];
        for (int p = n; p < n + 2; p++) ext[p + 2] = in[edges.source(p, n)];
        int m = half(n);
        for (int j = 0; j < m; j++) {
            int q = 2 * j;
            out[j] = K0 * ext[q] + K1 * ext[q + 1] + K2 * ext[q + 2] + K1 * ext[q + 3] + K0 * ext[q + 4];
        }
    }

    /** {@code out} (its length: the finer size) = the upsampled {@code lo}; {@code ext} is scratch of lo.length + 2. */
    static void up(float[] lo, float[] ext, float[] out, EdgeMode edges) {
        int m = lo.length;
        System.arraycopy(lo, 0, ext, 1, m);
        ext[0] = lo[edges.source(-1, m)];
        ext[m + 1] = lo[edges.source(m, m)];
        int n = out.length;
        for (int j = 0; 2 * j < n; j++) {
            out[2 * j] = (ext[j] + 6f * ext[j + 1] + ext[j + 2]) * 0.125f;
            if (2 * j + 1 < n) out[2 * j + 1] = (ext[j + 1] + ext[j + 2]) * 0.5f;
        }
    }

    /** The vertical half of "up": from coarse rows j−1, j, j+1 (already upsampled across), the fine row 2j or 2j+1. */
    static void combineUp(float[] before, float[] at, float[] after, boolean odd, float[] out) {
        if (odd) {
            for (int x = 0; x < out.length; x++) out[x] = (at[x] + after[x]) * 0.5f;
        } else {
            for (int x = 0; x < out.length; x++) out[x] = (before[x] + 6f * at[x] + after[x]) * 0.125f;
        }
    }

    /** A band's statistic: the root-mean-square from its sum of squares over {@code count} samples. */
    static double rms(double sumSquares, double count) {
        return Math.sqrt(sumSquares / count);
    }

    /**
     * The tutorial's {@code max(std, eps)}, with eps relative: {@link #RELATIVE_EPS} × the strongest band's rms (the
     * gradients here are small numbers, far below the tutorial's absolute 1e-10 in places). A band that is
     * mathematically zero (e.g. above a level of one pixel) holds only float round-off, which must not be blown up to
     * the strength of the real bands.
     */
    static double floor(double strongestRms) {
        return Math.max(RELATIVE_EPS * strongestRms, Float.MIN_NORMAL);
    }

    static final double RELATIVE_EPS = 1e-5;
}
