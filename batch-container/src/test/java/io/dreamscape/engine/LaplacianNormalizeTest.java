package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.Edges;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.Normalize;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --normalize laplacian}: the streamed normaliser and the tensor one against a straightforward float64
 * whole-image implementation of the TF tutorial's lap_normalize (written here from the 2-D definitions, not the
 * engine's separable code), a whole dream that fits one tile against the classic untiled algorithm with that
 * normaliser, resident == streamed, no tile seams at tile 128, and a checkpoint resume.
 */
class LaplacianNormalizeTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);
    static final double[] K = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};

    @TempDir
    Path scratch;

    // ---- the reference: float64, 2-D, whole image ----

    /** lo[j][i] = Σ_{s,t} k[s]·k[t]·a(2j+s−2, 2i+t−2), beyond the borders per the edge modes. */
    static double[][][] down(double[][][] a, Edges e) {
        int h = a[0].length;
        int w = a[0][0].length;
        int mh = (h + 1) / 2;
        int mw = (w + 1) / 2;
        double[][][] out = new double[3][mh][mw];
        for (int c = 0; c < 3; c++)
            for (int j = 0; j < mh; j++)
                for (int i = 0; i < mw; i++) {
                    double s = 0;
                    for (int u = 0; u < 5; u++)
                        for (int v = 0; v < 5; v++)
                            s += K[u] * K[v] * a[c][e.y().source(2 * j + u - 2, h)][e.x().source(2 * i + v - 2, w)];
                    out[c][j][i] = s;
                }
        return out;
    }

    /** The transposed filter ×4 (the tutorial's conv2d_transpose(k5x5·4)): every coarse sample q spreads to 2q ± 2. */
    static double[][][] up(double[][][] lo, int h, int w, Edges e) {
        int mh = lo[0].length;
        int mw = lo[0][0].length;
        double[][][] out = new double[3][h][w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double s = 0;
                    for (int q = Math.floorDiv(y - 2 + 1, 2); 2 * q <= y + 2; q++) {
                        if (Math.abs(y - 2 * q) > 2) continue;
                        for (int p = Math.floorDiv(x - 2 + 1, 2); 2 * p <= x + 2; p++) {
                            if (Math.abs(x - 2 * p) > 2) continue;
                            s += 4 * K[y - 2 * q + 2] * K[x - 2 * p + 2] * lo[c][e.y().source(q, mh)][e.x().source(p, mw)];
                        }
                    }
                    out[c][y][x] = s;
                }
        return out;
    }

    static double[][][] lapNormalize(double[][][] g, Edges e) {
        // the tutorial's 4 levels, fewer only where a level would go below 1×1 (then its band is zero)
        int n = 0;
        for (int w = g[0][0].length, h = g[0].length; n < LaplacianNormalizer.LEVELS && (w > 1 || h > 1); n++) {
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        }
        double[][][][] bands = new double[n + 1][][][];
        double[][][] cur = g;
        for (int l = 0; l < n; l++) {
            double[][][] lo = down(cur, e);
            double[][][] u = up(lo, cur[0].length, cur[0][0].length, e);
            double[][][] hi = new double[3][cur[0].length][cur[0][0].length];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < hi[0].length; y++)
                    for (int x = 0; x < hi[0][0].length; x++) hi[c][y][x] = cur[c][y][x] - u[c][y][x];
            bands[l] = hi;
            cur = lo;
        }
        bands[n] = cur;
        double[] std = new double[n + 1];
        double strongest = 0;
        for (int l = 0; l <= n; l++) {
            double sq = 0;
            long count = 0;
            for (double[][] plane : bands[l])
                for (double[] row : plane)
                    for (double v : row) {
                        sq += v * v;
                        count++;
                    }
            std[l] = Math.sqrt(sq / count);
            strongest = Math.max(strongest, std[l]);
        }
        for (int l = 0; l <= n; l++) {
            // the tutorial's max(std, eps), eps relative to the strongest band (a band of round-off stays negligible)
            double s = Math.max(std[l], Math.max(1e-5 * strongest, Float.MIN_NORMAL));
            for (double[][] plane : bands[l])
                for (double[] row : plane)
                    for (int x = 0; x < row.length; x++) row[x] /= s;
        }
        double[][][] img = bands[n];
        for (int l = n - 1; l >= 0; l--) {
            double[][][] u = up(img, bands[l][0].length, bands[l][0][0].length, e);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < u[0].length; y++)
                    for (int x = 0; x < u[0][0].length; x++) u[c][y][x] += bands[l][c][y][x];
            img = u;
        }
        return img;
    }

    static double[][][] random(int w, int h, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][][] a = new double[3][h][w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    // smooth structure plus noise: every band has something in it
                    a[c][y][x] = (float) (scale * (Math.sin(0.05 * x * (c + 1)) * Math.cos(0.08 * y) + 0.3 * r.nextGaussian()));
                }
        return a;
    }

    FloatPlanes planes(double[][][] a) {
        int h = a[0].length;
        int w = a[0][0].length;
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) row[x] = (float) a[c][y][x];
                p.putRow(c, y, row);
            }
        return p;
    }

    static float[] flat(double[][][] a) {
        int h = a[0].length;
        int w = a[0][0].length;
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = (float) a[c][y][x];
        return out;
    }

    static final Edges[] EDGES = {Edges.of(Wrap.NONE), Edges.of(Wrap.X), Edges.of(Wrap.XY)};

    @Test
    void bothNormalisersEqualTheStraightforwardWholeImageImplementation() {
        int[][] sizes = {{203, 131}, {96, 64}, {7, 5}};
        for (int[] size : sizes) {
            for (Edges e : EDGES) {
                double[][][] g = random(size[0], size[1], 7, 3e-7);
                float[] expected = flat(lapNormalize(g, e));
                double worst = 0;
                for (float v : expected) worst = Math.max(worst, Math.abs(v));
                String what = size[0] + "×" + size[1] + " " + e;
                try (FloatPlanes p = planes(g);
                     ParallelRows pool = new ParallelRows(3);
                     LaplacianNormalizer lap = new LaplacianNormalizer(e, scratch)) {
                    double sumAbs = lap.normalize(p, pool);
                    float[] streamed = DreamEngineTest.flat(p);
                    assertArrayEquals(expected, streamed, (float) (2e-6 * worst), "streamed " + what);
                    double refAbs = 0;
                    for (float v : expected) refAbs += Math.abs(v);
                    assertEquals(refAbs, sumAbs, 1e-5 * refAbs, "sum |result| " + what);
                }
                try (NDManager m = TINY.gradients().newManager()) {
                    NDArray t = LaplacianTensors.normalize(m.create(flat(g), new Shape(3, size[1], size[0])), e);
                    assertArrayEquals(expected, t.toFloatArray(), (float) (2e-6 * worst), "tensor " + what);
                }
            }
        }
    }

    @Test
    void theNormalisationReallyEqualisesTheBands() {
        // white noise, almost all fine detail: after normalisation the coarse bands weigh as much as the finest
        SplittableRandom r = new SplittableRandom(3);
        double[][][] g = new double[3][96][128];
        for (double[][] plane : g) for (double[] row : plane) for (int x = 0; x < row.length; x++) row[x] = 1e-6 * r.nextGaussian();
        Edges e = Edges.of(Wrap.NONE);
        try (FloatPlanes p = planes(g); ParallelRows pool = new ParallelRows(1);
             LaplacianNormalizer lap = new LaplacianNormalizer(e, scratch)) {
            lap.normalize(p, pool);
            double[][][] out = new double[3][96][128];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 96; y++)
                    for (int x = 0; x < 128; x++) out[c][y][x] = p.get(c, y, x);
            // the coarsest residual of the result, as a share of the result's energy, grows a lot
            double before = residualShare(g, e);
            double after = residualShare(out, e);
            assertTrue(after > 5 * before, "residual share before " + before + ", after " + after);
        }
    }

    private static double residualShare(double[][][] a, Edges e) {
        double[][][] lo = a;
        for (int l = 0; l < LaplacianNormalizer.LEVELS; l++) lo = down(lo, e);
        double[][][] back = lo;
        for (int l = LaplacianNormalizer.LEVELS - 1; l >= 0; l--) {
            double[][][] shape = a;
            for (int k = 0; k < l; k++) shape = down(shape, e);
            back = up(back, shape[0].length, shape[0][0].length, e);
        }
        double num = 0;
        double den = 0;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < a[0].length; y++)
                for (int x = 0; x < a[0][0].length; x++) {
                    num += back[c][y][x] * back[c][y][x];
                    den += a[c][y][x] * a[c][y][x];
                }
        return num / den;
    }

    // ---- the engine ----

    static DreamParameters params(int octaves, int steps, int tile, int jitter, Wrap wrap, String deviceMemory,
                                  Normalize normalize) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("tiny").layers(LAYERS).octaves(octaves).octaveScale(1.4).steps(steps).stepSize(1.5)
                .jitter(jitter).tile(tile).seed(21L).wrap(wrap).quality(95).maxPixels(1_000_000_000L)
                .deviceMemory(deviceMemory).keepColors(false).normalize(normalize).build()).validated();
    }

    /** DreamEngineTest's classic untiled step (one window over the jittered, mirror-padded image), lap-normalised. */
    float[] classicLaplacian(FloatPlanes image, DreamParameters p) {
        int w = image.width();
        int h = image.height();
        double[][][] x = new double[3][h][w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int i = 0; i < w; i++) x[c][y][i] = image.get(c, y, i);
        Edges e = Edges.of(p.wrap());
        for (int s = 0; s < p.steps(); s++) {
            TileScheduler.Draws d = TileScheduler.Draws.draw(DreamEngine.stepRandom(p.seed(), 0, s), p.jitter(), p.tile());
            int pw = w + p.jitter();
            int ph = h + p.jitter();
            float[] padded = new float[3 * pw * ph];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < ph; y++)
                    for (int i = 0; i < pw; i++)
                        padded[(c * ph + y) * pw + i] = (float) x[c][EdgeMode.MIRROR.source(y - d.shiftY(), h)]
                                [EdgeMode.MIRROR.source(i - d.shiftX(), w)];
            float[] g = TINY.gradients().compute(padded, pw, ph).gradient();
            double[][][] crop = new double[3][h][w];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int i = 0; i < w; i++) crop[c][y][i] = g[(c * ph + y + d.shiftY()) * pw + i + d.shiftX()];
            double[][][] n = lapNormalize(crop, e);
            double sum = 0;
            for (double[][] plane : n) for (double[] row : plane) for (double v : row) sum += Math.abs(v);
            double factor = p.stepSize() / 255.0 / (sum / (3.0 * w * h));
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int i = 0; i < w; i++) {
                        // the engine rounds to float after every step
                        x[c][y][i] = (float) Math.max(0, Math.min(1, x[c][y][i] + factor * n[c][y][i]));
                    }
        }
        return flat(x);
    }

    @Test
    void aDreamThatFitsOneTileEqualsTheClassicAlgorithmWithLapNormalize() {
        FloatPlanes img = new DreamEngineTest().patternIn(scratch, 150, 110);
        float[] input = DreamEngineTest.flat(img);
        for (String memory : new String[] {"0", "4G"}) {
            DreamParameters p = params(1, 3, 512, 16, Wrap.NONE, memory, Normalize.LAPLACIAN);
            float[] expected = classicLaplacian(img, p);
            float[] actual;
            try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch).dream(img, new DreamListener() { })) {
                actual = DreamEngineTest.flat(out);
            }
            assertArrayEquals(expected, actual, 1e-5f, "device memory " + memory);
            float[] mean;
            try (FloatPlanes out = new DreamEngine(TINY.gradients(), params(1, 3, 512, 16, Wrap.NONE, memory, Normalize.MEAN),
                    scratch).dream(img, new DreamListener() { })) {
                mean = DreamEngineTest.flat(out);
            }
            double changed = 0;
            double fromMean = 0;
            for (int i = 0; i < input.length; i++) {
                changed += Math.abs(actual[i] - input[i]);
                fromMean += Math.abs(actual[i] - mean[i]);
            }
            assertTrue(changed / input.length > 1e-3, "the dream must change the image");
            assertTrue(fromMean / input.length > 1e-3, "laplacian must differ from mean: " + fromMean / input.length);
        }
    }

    @Test
    void residentAndStreamedGiveTheSameImage() {
        for (Wrap wrap : Wrap.values()) {
            float[][] out = new float[2][];
            String[] memory = {"0", "4G"};
            for (int i = 0; i < 2; i++) {
                try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
                     FloatPlanes o = new DreamEngine(TINY.gradients(), params(2, 3, 96, 16, wrap, memory[i], Normalize.LAPLACIAN),
                             scratch).dream(img, new DreamListener() { })) {
                    out[i] = DreamEngineTest.flat(o);
                }
            }
            assertArrayEquals(out[0], out[1], 1e-5f, "wrap " + wrap);
        }
    }

    @Test
    void aCheckpointResumeGivesTheUninterruptedResultOnBothPaths() {
        for (String memory : new String[] {"0", "4G"}) {
            DreamParameters p = params(2, 3, 64, 16, Wrap.X, memory, Normalize.LAPLACIAN);
            FloatPlanes img = new DreamEngineTest().patternIn(scratch, 180, 120);
            CheckpointResume r = CheckpointResume.of(() -> new DreamEngine(TINY.gradients(), p, scratch), img, scratch);
            assertArrayEquals(r.uninterrupted(), r.resumed(), 0f, "device memory " + memory);
        }
    }

    @Test
    void tiledLaplacianDreamHasNoTileLinesAtTile128() {
        checkSeams(TINY.net(), "conv3", 768, 384);
    }

    @Test
    void mobileNetV2TiledLaplacianDreamHasNoTileLines() throws Exception {
        Path model = TestFixtures.shared("models/mobilenet_v2_1.0_224_quant_dream.pt");
        try (DreamNetwork real = io.dreamscape.engine.model.TorchScriptNetwork.load(model, Device.cpu())) {
            checkSeams(real, "expanded_conv_6/expand", 640, 256);
        }
    }

    /** SeamTest's goal: at tile 128 and the default tile, columns and rows ≤ min(2.0, 1.3 × untiled). */
    private void checkSeams(DreamNetwork network, String layer, int w, int h) {
        List<LayerWeight> layers = List.of(new LayerWeight(layer, 1.0));
        try (GradientStep g = new GradientStep(network, layers, Device.cpu());
             FloatPlanes img = SeamScore.smoothFixture(w, h, scratch)) {
            SeamScore untiled = seams(g, img, layers, Math.max(w, h));
            for (int tile : new int[] {128, DreamParameters.defaults().tile()}) {
                SeamScore tiled = seams(g, img, layers, tile);
                String what = layer + " tile " + tile + ": " + tiled + " vs untiled " + untiled;
                assertTrue(tiled.columns() <= Math.min(2.0, 1.3 * untiled.columns()), what);
                assertTrue(tiled.rows() <= Math.min(2.0, 1.3 * untiled.rows()), what);
                System.out.println("laplacian seam score " + what);
            }
        }
    }

    private SeamScore seams(GradientStep g, FloatPlanes img, List<LayerWeight> layers, int tile) {
        // SeamTest's case: one octave, 8 steps of 3, no jitter (nothing hides the last step's tile borders)
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("m").layers(layers).octaves(1).steps(8).stepSize(3.0).jitter(0).tile(tile).seed(5L)
                .wrap(Wrap.NONE).deviceMemory("0").keepColors(false).normalize(Normalize.LAPLACIAN).build()).validated();
        try (FloatPlanes out = new DreamEngine(g, p, scratch).dream(img, new DreamListener() { })) {
            return SeamScore.of(img, out);
        }
    }
}
