package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.AxisSpan;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.Edges;
import io.dreamscape.engine.tiles.Tile;
import io.dreamscape.engine.tiles.TileIO;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --wrap x} (issue 14): a 360° panorama's left and right edges meet without a seam, its top and bottom are
 * mirrored (never fed from the opposite edge).
 */
class WrapTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv3", 1.0));

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);

    @TempDir
    Path scratch;

    /** SeamTest's case (one octave, 8 steps of 3) with jitter, so that the jitter and the tiles wrap too. */
    static DreamParameters params(Wrap wrap, int tile, String deviceMemory) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("m").layers(LAYERS).octaves(1).steps(8).stepSize(3.0).jitter(16).tile(tile).seed(5L)
                .wrap(wrap).deviceMemory(deviceMemory).build()).validated();
    }

    /** A smooth panorama that is itself seamless across its width (periodic in x), not in y. */
    static FloatPlanes panorama(int w, int h, Path scratch) {
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double g = 0.45 + 0.25 * Math.cos(2 * Math.PI * x / w + c) * (c == 1 ? 0.6 : 1)
                            + 0.2 * (y / (double) h) * (c == 2 ? 1 : 0.5);
                    row[x] = (float) Math.max(0, Math.min(1, g + 0.03 * (rng.nextDouble() - 0.5)));
                }
                p.putRow(c, y, row);
            }
        }
        return p;
    }

    /** {@code src} rolled left by {@code shift} columns: the left/right join moves into the middle. */
    static FloatPlanes rolled(FloatPlanes src, int shift, Path scratch) {
        int w = src.width();
        FloatPlanes out = FloatPlanes.create(w, src.height(), scratch);
        float[] a = new float[w];
        float[] b = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < src.height(); y++) {
                src.getRow(c, y, a);
                for (int x = 0; x < w; x++) b[x] = a[(x + shift) % w];
                out.putRow(c, y, b);
            }
        }
        return out;
    }

    private double lastJoin;

    private SeamScore joinScore(FloatPlanes img, DreamParameters p) {
        try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch).dream(img, new DreamListener() { });
             FloatPlanes rin = rolled(img, img.width() / 2, scratch);
             FloatPlanes rout = rolled(out, out.width() / 2, scratch)) {
            lastJoin = joinColumn(rin, rout);
            return SeamScore.of(rin, rout);
        }
    }

    /**
     * SeamScore's column profile (mean |d[x+1] − d[x]| of the dream detail d) at the join itself (rolled to the middle:
     * columns w/2−1 → w/2) over the profile's median: how much the detail jumps exactly where left meets right.
     */
    static double joinColumn(FloatPlanes input, FloatPlanes output) {
        int w = input.width();
        int h = input.height();
        double[] col = new double[w - 1];
        float[][] a = new float[3][w];
        float[][] b = new float[3][w];
        for (int y = SeamScore.BORDER; y < h - SeamScore.BORDER; y++) {
            for (int c = 0; c < 3; c++) {
                input.getRow(c, y, a[c]);
                output.getRow(c, y, b[c]);
            }
            for (int x = 0; x < w - 1; x++) {
                double d0 = 0;
                double d1 = 0;
                for (int c = 0; c < 3; c++) {
                    d0 += (b[c][x] - a[c][x]) / 3.0;
                    d1 += (b[c][x + 1] - a[c][x + 1]) / 3.0;
                }
                col[x] += Math.abs(d1 - d0);
            }
        }
        double[] sorted = col.clone();
        java.util.Arrays.sort(sorted);
        return col[w / 2 - 1] / sorted[sorted.length / 2];
    }

    @Test
    void wrapXLeftAndRightEdgesJoinWithoutASeamOnBothPaths() {
        int w = 768;
        int h = 384;
        try (FloatPlanes img = panorama(w, h, scratch)) {
            for (String memory : new String[] {"0", "4G"}) {
                SeamScore untiled;
                try (FloatPlanes out = new DreamEngine(TINY.gradients(), params(Wrap.X, w, memory), scratch)
                        .dream(img, new DreamListener() { })) {
                    untiled = SeamScore.of(img, out);
                }
                SeamScore x = joinScore(img, params(Wrap.X, 128, memory));
                double joinX = lastJoin;
                SeamScore none = joinScore(img, params(Wrap.NONE, 128, memory));
                double joinNone = lastJoin;
                String what = "memory " + memory + ": join with wrap x " + x + " (join column " + joinX + "), with none "
                        + none + " (join column " + joinNone + "), untiled x unrolled " + untiled;
                System.out.println("WrapTest " + what); // the figures for the closing note
                // SeamTest's goal for tile lines, now across the left/right join (rolled into the middle)
                assertTrue(x.columns() <= Math.min(2.0, 1.3 * untiled.columns()), what);
                // and the join column itself is an ordinary column with wrap x. (With the tiny model the same measure
                // does not single out a mirrored join either — see the note of issue 14 — so it is no contrast test;
                // the wrapping itself is pinned down by the window tests below and by x ≠ xy ≠ none.)
                assertTrue(joinX <= Math.min(2.0, 1.3 * untiled.columns()), what);
            }
        }
    }

    @Test
    void wrapXMirrorsTopAndBottomButWrapsLeftAndRight() {
        int w = 8;
        int h = 6;
        try (FloatPlanes img = FloatPlanes.create(w, h, scratch)) {
            float[] row = new float[w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) row[x] = 100 * y + x;
                    img.putRow(c, y, row);
                }
            }
            Tile t = new Tile(new AxisSpan(-3, 14, -3, 14), new AxisSpan(-3, 12, -3, 12));
            float[] win = TileIO.readWindow(img, t, Edges.of(Wrap.X));
            for (int yy = 0; yy < 12; yy++) {
                for (int xx = 0; xx < 14; xx++) {
                    int sy = EdgeMode.MIRROR.source(yy - 3, h);
                    int sx = Math.floorMod(xx - 3, w);
                    assertEquals(100 * sy + sx, win[yy * 14 + xx], "window (" + xx + "," + yy + ")");
                    if (yy < 3) assertTrue(sy < 3, "a row above the top comes from the top rows, never the bottom");
                }
            }
            // Written back: the core beyond the left edge lands on the right edge; rows beyond the top are dropped.
            try (FloatPlanes grad = FloatPlanes.create(w, h, scratch)) {
                float[] ones = new float[3 * 12 * 14];
                java.util.Arrays.fill(ones, 1f);
                TileIO.writeCore(grad, t, Edges.of(Wrap.X), ones, 1f);
                assertEquals(1f, grad.get(0, 0, w - 1));
                assertEquals(1f, grad.get(0, h - 1, 0));
                // 14 core columns all land (wrapped), of 12 core rows only the 6 inside the image
                assertEquals(14L * 6, TileIO.corePixels(t, w, h, Edges.of(Wrap.X)));
            }
        }
    }

    @Test
    void schedulerWrapsOnlyTheWidthWithWrapX() {
        TileScheduler s = new TileScheduler(512, 16, Edges.of(Wrap.X), DreamEngine.MIN_WINDOW);
        List<Tile> tiles = s.tiles(300, 170, new TileScheduler.Draws(5, 7, 0, 0));
        assertEquals(1, tiles.size());
        assertEquals(-5, tiles.get(0).x().windowStart());
        assertEquals(300, tiles.get(0).x().coreLength(), "np.roll across the width: the range is the width itself");
        assertEquals(-7, tiles.get(0).y().windowStart());
        assertEquals(170 + 16, tiles.get(0).y().coreLength(), "mirrored down the height: the range is height + jitter");
    }

    @Test
    void wrapXDiffersFromWrapXyAndFromNone() {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170)) {
            float[][] out = new float[3][];
            Wrap[] modes = {Wrap.NONE, Wrap.X, Wrap.XY};
            for (int i = 0; i < 3; i++) {
                try (FloatPlanes o = new DreamEngine(TINY.gradients(), params(modes[i], 128, "0"), scratch).dream(img, new DreamListener() { })) {
                    out[i] = DreamEngineTest.flat(o);
                }
            }
            assertFalse(java.util.Arrays.equals(out[0], out[1]), "x differs from none");
            assertFalse(java.util.Arrays.equals(out[1], out[2]), "x differs from xy: the top and bottom do not meet");
        }
    }
}
