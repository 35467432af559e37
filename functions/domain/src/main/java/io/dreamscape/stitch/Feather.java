package io.dreamscape.stitch;

import io.dreamscape.job.Rect;

/**
 * Blend weights across the halos. Along each axis a shard's weight ramps linearly from its halo edge to the
 * mirror point inside its core ({@code 2 × margin} pixels), so two neighbours' weights sum to 1 across their overlap
 * and the seam dissolves into a gradient. Sides without a neighbour (image border) have no margin and weight 1.
 * Weights are evaluated at pixel centres and never reach 0 inside the halo.
 */
public final class Feather {
    private Feather() {
    }

    /** Weights for columns {@code halo.x … halo.right-1}. */
    public static float[] horizontal(Rect core, Rect halo) {
        return ramp(halo.x(), core.x(), core.right(), halo.right());
    }

    /** Weights for rows {@code halo.y … halo.bottom-1}. */
    public static float[] vertical(Rect core, Rect halo) {
        return ramp(halo.y(), core.y(), core.bottom(), halo.bottom());
    }

    static float[] ramp(int haloStart, int coreStart, int coreEnd, int haloEnd) {
        int n = haloEnd - haloStart;
        int left = coreStart - haloStart;
        int right = haloEnd - coreEnd;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            double c = haloStart + i + 0.5;
            double a = left == 0 ? 1 : clamp((c - haloStart) / (2.0 * left));
            double b = right == 0 ? 1 : clamp((haloEnd - c) / (2.0 * right));
            w[i] = (float) Math.min(a, b);
        }
        return w;
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : Math.min(1, v);
    }
}
