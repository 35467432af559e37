package io.dreamscape.engine.tiles;

import io.dreamscape.engine.storage.FloatPlanes;

/**
 * Moves tiles between the working image and the network: reads a window (made-up pixels beyond the borders per
 * {@link EdgeMode}) and writes the core of a gradient back into a gradient image of the same size.
 */
public final class TileIO {
    private TileIO() {
    }

    /** The window's pixels, planar 3·h·w. */
    public static float[] readWindow(FloatPlanes img, Tile t, EdgeMode edges) {
        return readWindow(img, t, Edges.both(edges));
    }

    /** The window's pixels, planar 3·h·w, each axis made up beyond the image per its own edge mode. */
    public static float[] readWindow(FloatPlanes img, Tile t, Edges edges) {
        int w = t.x().windowLength();
        int h = t.y().windowLength();
        int W = img.width();
        int H = img.height();
        float[] out = new float[3 * w * h];
        int x0 = t.x().windowStart();
        int inFrom = Math.max(0, x0);
        int inTo = Math.min(W, x0 + w);
        for (int c = 0; c < 3; c++) {
            for (int yy = 0; yy < h; yy++) {
                int sy = edges.y().source(t.y().windowStart() + yy, H);
                int base = (c * h + yy) * w;
                if (inTo > inFrom) {
                    img.get(c, sy, inFrom, out, base + (inFrom - x0), inTo - inFrom);
                }
                for (int xx = 0; xx < w; xx++) {
                    int px = x0 + xx;
                    if (px < inFrom || px >= inTo) {
                        out[base + xx] = img.get(c, sy, edges.x().source(px, W));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Writes the core of {@code gradient} (planar 3·h·w over the window) into {@code grad}, scaled by {@code scale};
     * returns the sum of absolute values written. Core coordinates outside the image are dropped (mirror) or wrapped.
     */
    public static double writeCore(FloatPlanes grad, Tile t, EdgeMode edges, float[] gradient, float scale) {
        return writeCore(grad, t, Edges.both(edges), gradient, scale);
    }

    /** {@link #writeCore(FloatPlanes, Tile, EdgeMode, float[], float)} with an edge mode per axis. */
    public static double writeCore(FloatPlanes grad, Tile t, Edges edges, float[] gradient, float scale) {
        int w = t.x().windowLength();
        int h = t.y().windowLength();
        int W = grad.width();
        int H = grad.height();
        double sumAbs = 0;
        int[][] xRuns = runs(t.x(), W, edges.x());
        float[] row = new float[t.x().coreLength()];
        for (int cy = t.y().coreStart(); cy < t.y().coreEnd(); cy++) {
            int iy = imageCoord(cy, H, edges.y());
            if (iy < 0) continue;
            int wy = cy - t.y().windowStart();
            for (int c = 0; c < 3; c++) {
                int base = (c * h + wy) * w;
                for (int[] run : xRuns) {
                    int winOff = run[0];
                    int imgX = run[1];
                    int len = run[2];
                    for (int i = 0; i < len; i++) {
                        float v = gradient[base + winOff + i] * scale;
                        row[i] = v;
                        sumAbs += Math.abs(v);
                    }
                    grad.put(c, iy, imgX, row, 0, len);
                }
            }
        }
        return sumAbs;
    }

    /** Image pixels covered by the tile's core. */
    public static long corePixels(Tile t, int width, int height, EdgeMode edges) {
        return corePixels(t, width, height, Edges.both(edges));
    }

    public static long corePixels(Tile t, int width, int height, Edges edges) {
        return covered(t.x(), width, edges.x()) * covered(t.y(), height, edges.y());
    }

    private static long covered(AxisSpan s, int n, EdgeMode edges) {
        long total = 0;
        for (int[] r : runs(s, n, edges)) total += r[2];
        return total;
    }

    private static int imageCoord(int p, int n, EdgeMode edges) {
        if (p >= 0 && p < n) return p;
        return edges == EdgeMode.WRAP ? Math.floorMod(p, n) : -1;
    }

    /** Contiguous runs of the core that land in the image: {offset in window, image start, length}. */
    static int[][] runs(AxisSpan s, int n, EdgeMode edges) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        int p = s.coreStart();
        while (p < s.coreEnd()) {
            int img = imageCoord(p, n, edges);
            if (img < 0) {
                p++;
                continue;
            }
            int len = Math.min(s.coreEnd() - p, n - img);
            out.add(new int[] {p - s.windowStart(), img, len});
            p += len;
        }
        return out.toArray(new int[0][]);
    }
}
