package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.ParameterJson;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --guide FILE}: google/deepdream's guided objective, the same guide features for every tile and path. */
class GuideObjectiveTest {
    @RegisterExtension
    static final TinyNet TINY = new TinyNet();
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));
    static final int W = 40;
    static final int H = 32;

    @TempDir
    Path scratch;

    /** A guide of stripes or of blobs: two looks with different features. */
    static GuideImage guide(int kind, int w, int h) {
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    p[(c * h + y) * w + x] = (float) (kind == 0
                            ? 0.5 + 0.45 * Math.sin(0.9 * x + c)
                            : 0.5 + 0.45 * Math.cos(0.35 * Math.hypot(x - w / 2.0, y - h / 2.0) * (c + 1)));
        return new GuideImage(p, w, h);
    }

    static float[] randomWindow(long seed) {
        return EngineFixtures.randomWindow(seed, W, H);
    }

    /** Σ weight · mean_i max_j x_i·y_j in Java, from the network's activations of the window and of the guide. */
    static double byHand(float[] window, GuideImage g, List<LayerWeight> terms) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<String> names = terms.stream().map(LayerWeight::name).toList();
            NDList xa = TINY.net().activations(m.create(window, new Shape(1, 3, H, W)), names);
            NDList ya = TINY.net().activations(m.create(g.planar(), new Shape(1, 3, g.height(), g.width())), names);
            double total = 0;
            for (int t = 0; t < terms.size(); t++) {
                int c = (int) xa.get(t).getShape().get(1);
                int n = (int) (xa.get(t).getShape().get(2) * xa.get(t).getShape().get(3));
                int mm = (int) (ya.get(t).getShape().get(2) * ya.get(t).getShape().get(3));
                float[] x = xa.get(t).toFloatArray();
                float[] y = ya.get(t).toFloatArray();
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < mm; j++) {
                        double dot = 0;
                        for (int k = 0; k < c; k++) dot += (double) x[k * n + i] * y[k * mm + j];
                        best = Math.max(best, dot);
                    }
                    sum += best;
                }
                total += terms.get(t).weight() * sum / n;
            }
            return total;
        }
    }

    @Test
    void theGuidedObjectiveIsTheMeanBestMatchWithTheGuidesFeaturesAndItsGradientMatchesFiniteDifferences() {
        GuideImage g = guide(1, 36, 28);
        float[] x = randomWindow(3);
        try (GradientStep step = new GradientStep(TINY.net(), LAYERS, Device.cpu(), g)) {
            GradientStep.Result r = step.compute(x.clone(), W, H);
            double hand = byHand(x, g, LAYERS);
            assertEquals(hand, r.objective(), 1e-5 * Math.abs(hand));
            float[] grad = r.gradient();
            double maxG = 0;
            int arg = 0;
            for (int i = 0; i < grad.length; i++) {
                if (Math.abs(grad[i]) > maxG) {
                    maxG = Math.abs(grad[i]);
                    arg = i;
                }
            }
            float h = 1e-3f;
            for (int i : new int[] {arg, 5, 333, 1200, 2500, 3 * W * H - 7}) {
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (byHand(plus, g, LAYERS) - byHand(minus, g, LAYERS)) / (2 * h);
                assertEquals(fd, grad[i], 0.03 * maxG, "d objective / d pixel " + i);
            }
        }
    }

    @Test
    void channelsAndGuideTogetherMatchOnTheChosenChannelsOnly() {
        GuideImage g = guide(0, 30, 30);
        List<LayerWeight> terms = List.of(LayerWeight.parse("conv2#1,4,9:2"));
        float[] x = randomWindow(9);
        try (GradientStep step = new GradientStep(TINY.net(), terms, Device.cpu(), g)) {
            double objective = step.compute(x.clone(), W, H).objective();
            // by hand on a network whose conv2 output is cut to those channels
            double hand;
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray xa = TINY.net().activations(m.create(x, new Shape(1, 3, H, W)), List.of("conv2")).get(0);
                NDArray ya = TINY.net().activations(m.create(g.planar(), new Shape(1, 3, 30, 30)), List.of("conv2")).get(0);
                NDArray idx = m.create(new long[] {1, 4, 9});
                float[] xs = xa.get(new ai.djl.ndarray.index.NDIndex(":, {}", idx)).toFloatArray();
                float[] ys = ya.get(new ai.djl.ndarray.index.NDIndex(":, {}", idx)).toFloatArray();
                int n = xs.length / 3;
                int mm = ys.length / 3;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < mm; j++) {
                        best = Math.max(best, (double) xs[i] * ys[j] + (double) xs[n + i] * ys[mm + j]
                                + (double) xs[2 * n + i] * ys[2 * mm + j]);
                    }
                    sum += best;
                }
                hand = 2 * sum / n;
            }
            assertEquals(hand, objective, 1e-5 * Math.abs(hand));
        }
    }

    @Test
    void theBestMatchMadeInChunksEqualsTheOneBigProductWithTheSameGradient() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray y = m.randomNormal(new Shape(6, 37));
            float[] grads = null;
            float[] values = null;
            for (long chunk : new long[] {1L << 24, 2 * 15 * 5, 1}) { // whole, 5 guide positions at a time, 1
                boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
                ai.djl.pytorch.jni.JniUtils.setGradMode(true);
                try (NDManager s = m.newSubManager()) {
                    float[] data = new float[2 * 15 * 6];
                    SplittableRandom r = new SplittableRandom(4);
                    for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
                    NDArray x = s.create(data, new Shape(2, 15, 6));
                    x.setRequiresGradient(true);
                    NDArray best = Objective.bestMatch(x, y, chunk);
                    NDArray loss = best.sum();
                    ai.djl.pytorch.jni.JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) loss,
                            (ai.djl.pytorch.engine.PtNDArray) loss.onesLike(), false, false);
                    float[] v = best.toFloatArray();
                    float[] g = x.getGradient().toFloatArray();
                    if (values == null) {
                        values = v;
                        grads = g;
                    } else {
                        // Chunked and whole products may sum in a different order (kernels differ per CPU and
                        // ATEN_CPU_CAPABILITY): equal up to float rounding of the largest value, not bit for bit.
                        assertArrayEquals(values, v, 4e-6f * maxAbs(values), "chunk " + chunk);
                        assertArrayEquals(grads, g, 4e-6f * maxAbs(grads), "chunk " + chunk);
                    }
                } finally {
                    ai.djl.pytorch.jni.JniUtils.setGradMode(was);
                }
            }
        }
    }

    static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return Math.max(m, 1f);
    }

    static DreamParameters params(int tile, String deviceMemory) {
        return DreamParameters.defaults().with(ParameterJson.parse("{\"layers\": [\"conv2\", \"conv3:0.5\"], \"octaves\": 2,"
                + " \"steps\": 3, \"jitter\": 16, \"tile\": " + tile + ", \"deviceMemory\": \"" + deviceMemory + "\"}"))
                .validated().withSeed(77);
    }

    float[] dream(GradientStep step, DreamParameters p, FloatPlanes img) {
        try (FloatPlanes out = new DreamEngine(step, p, scratch).dream(img, new DreamListener() { })) {
            return DreamEngineTest.flat(out);
        }
    }

    @Test
    void anImageThatFitsOneTileGetsTheUntiledResultOnBothPaths() {
        FloatPlanes img = new DreamEngineTest().patternIn(scratch, 150, 110);
        try (GradientStep step = new GradientStep(TINY.net(), LAYERS, Device.cpu(), guide(1, 64, 48))) {
            float[] untiled = DreamEngineTest.classic(img, params(512, "0"), step, scratch);
            float[] streamed = dream(step, params(512, "0"), img);
            float[] resident = dream(step, params(512, "4G"), img);
            assertArrayEquals(untiled, streamed, 1e-5f, "streamed, one tile vs untiled");
            assertArrayEquals(untiled, resident, 1e-5f, "device-resident, one tile vs untiled");
            float[] in = DreamEngineTest.flat(img);
            double change = 0;
            for (int i = 0; i < in.length; i++) change += Math.abs(in[i] - streamed[i]);
            assertTrue(change / in.length > 1e-3, "the guided dream changes the image");
        }
    }

    @Test
    void tiledGuidedDreamsAgreeOnBothPathsAndDifferentGuidesGiveDifferentResults() {
        FloatPlanes img = new DreamEngineTest().patternIn(scratch, 260, 150);
        float[] a;
        float[] b;
        float[] plain;
        try (GradientStep sa = new GradientStep(TINY.net(), LAYERS, Device.cpu(), guide(0, 64, 64));
             GradientStep sb = new GradientStep(TINY.net(), LAYERS, Device.cpu(), guide(1, 64, 64));
             GradientStep none = new GradientStep(TINY.net(), LAYERS, Device.cpu())) {
            a = dream(sa, params(96, "0"), img);
            assertArrayEquals(a, dream(sa, params(96, "4G"), img), 1e-5f, "tiles of 96: streamed == resident");
            b = dream(sb, params(96, "0"), img);
            plain = dream(none, params(96, "0"), img);
        }
        assertTrue(meanAbsDiff(a, b) > 2e-3, "two guides, two dreams (" + meanAbsDiff(a, b) + ")");
        assertTrue(meanAbsDiff(a, plain) > 2e-3, "a guide changes the dream (" + meanAbsDiff(a, plain) + ")");
    }

    static double meanAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
        return d / a.length;
    }

    @Test
    void aGuideIsScaledToFitTheTileKeepingItsAspect() throws Exception {
        Path file = scratch.resolve("wide.png");
        BufferedImage img = new BufferedImage(1200, 300, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 300; y++)
            for (int x = 0; x < 1200; x++) img.setRGB(x, y, (x / 4 % 2 == 0) ? 0xff8000 : 0x0080ff);
        ImageIO.write(img, "png", file.toFile());
        GuideImage g = GuideImage.load(file, 256, scratch);
        assertEquals(256, g.width());
        assertEquals(64, g.height());
        // 1200 → 256 by halving then bilinear: the 4-pixel stripes average out to the mean colour, no aliasing
        double mean = 0;
        for (int i = 0; i < g.width() * g.height(); i++) mean += g.planar()[i];
        mean /= g.width() * g.height();
        assertEquals(0.5 * (1 + 0), mean, 0.05, "red channel mean");
        GuideImage small = GuideImage.load(file, 2000, scratch);
        assertEquals(1200, small.width(), "never scaled up to the tile");
    }

    @Test
    void anUnreadableGuideIsRefusedWithASentence() throws Exception {
        Path text = Files.writeString(scratch.resolve("notes.jpg"), "this is not a picture");
        ParameterException e = assertThrows(ParameterException.class, () -> GuideImage.load(text, 512, scratch));
        assertTrue(e.getMessage().startsWith("guide image notes.jpg cannot be used"), e.getMessage());
        ParameterException missing = assertThrows(ParameterException.class,
                () -> GuideImage.load(scratch.resolve("nope.png"), 512, scratch));
        assertTrue(missing.getMessage().startsWith("guide image not found"), missing.getMessage());
    }
}
