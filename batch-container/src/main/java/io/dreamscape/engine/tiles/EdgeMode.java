package io.dreamscape.engine.tiles;

/** How pixels outside the image are made up when a tile window sticks out of it. */
public enum EdgeMode {
    /** Mirror at the border, the edge pixel repeated (numpy "symmetric"): no content from the opposite edge. */
    MIRROR,
    /** Take them from the opposite edge: right for 360° panoramas. */
    WRAP;

    /** The image coordinate that supplies coordinate {@code p} of an axis of length {@code n}. */
    public int source(int p, int n) {
        if (p >= 0 && p < n) return p;
        if (this == WRAP) return Math.floorMod(p, n);
        int period = 2 * n;
        int m = Math.floorMod(p, period);
        return m < n ? m : period - 1 - m;
    }
}
