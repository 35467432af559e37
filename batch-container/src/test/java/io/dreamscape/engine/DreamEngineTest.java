package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.TileScheduler;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterOverrides;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DreamEngineTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);

    @TempDir
    Path scratch;

    static DreamParameters params(int octaves, int steps, int tile, int jitter, boolean wrap, long seed) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("tiny").layers(LAYERS).octaves(octaves).octaveScale(1.4).steps(steps).stepSize(1.5)
                .jitter(jitter).tile(tile).seed(seed).wrap(io.dreamscape.job.Wrap.of(wrap)).quality(95)
                .maxPixels(1_000_000_000L).build()).validated();
    }

    FloatPlanes pattern(int w, int h) {
        return patternIn(scratch, w, h);
    }

    FloatPlanes patternIn(Path scratch, int w, int h) {
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    row[x] = (float) (0.5 + 0.3 * Math.sin(0.11 * x + 0.07 * y * (c + 1)) + 0.1 * Math.cos(0.5 * x * y / (w + h)));
                }
                p.putRow(c, y, row);
            }
        }
        return p;
    }

    static float[] flat(FloatPlanes p) {
        float[] out = new float[(int) (3 * p.pixels())];
        float[] row = new float[p.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < p.height(); y++) {
                p.getRow(c, y, row);
                System.arraycopy(row, 0, out, (c * p.height() + y) * p.width(), p.width());
            }
        }
        return out;
    }

    /**
     * The classic untiled algorithm, written independently of the scheduler and tile I/O: octave bases by repeated
     * bilinear shrinking, detail carried up, per step a jittered window over the whole (mirror-padded) image, one
     * model call, gradient cropped back, normalised by its mean absolute value, added and clipped.
     */
    float[] classic(FloatPlanes image, DreamParameters p) {
        return classic(image, p, TINY.gradients(), scratch);
    }

    /** The classic algorithm with any gradient step (a guided one, say). */
    static float[] classic(FloatPlanes image, DreamParameters p, GradientStep gradients, Path scratch) {
        List<OctaveSizes.Size> sizes = OctaveSizes.smallestFirst(image.width(), image.height(), p.octaves(), p.octaveScale());
        int n = sizes.size();
        FloatPlanes[] bases = new FloatPlanes[n];
        bases[n - 1] = image;
        for (int k = n - 2; k >= 0; k--) {
            bases[k] = FloatPlanes.create(sizes.get(k).width(), sizes.get(k).height(), scratch);
            Resampler.resize(bases[k + 1], bases[k]);
        }
        FloatPlanes src = FloatPlanes.create(sizes.get(0).width(), sizes.get(0).height(), scratch);
        src.copyFrom(bases[0]);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                FloatPlanes next = FloatPlanes.create(sizes.get(k).width(), sizes.get(k).height(), scratch);
                Resampler.transfer(src, bases[k - 1], bases[k], next);
                src = next;
            }
            int w = src.width();
            int h = src.height();
            for (int s = 0; s < p.steps(); s++) {
                TileScheduler.Draws d = TileScheduler.Draws.draw(DreamEngine.stepRandom(p.seed(), k, s), p.jitter(), p.tile());
                int pw = w + p.jitter();
                int ph = h + p.jitter();
                float[] padded = new float[3 * pw * ph];
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < ph; y++)
                        for (int x = 0; x < pw; x++)
                            padded[(c * ph + y) * pw + x] = src.get(c, EdgeMode.MIRROR.source(y - d.shiftY(), h),
                                    EdgeMode.MIRROR.source(x - d.shiftX(), w));
                float[] g = gradients.compute(padded, pw, ph).gradient();
                double sum = 0;
                float[] crop = new float[3 * w * h];
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++) {
                            float v = g[(c * ph + y + d.shiftY()) * pw + x + d.shiftX()];
                            crop[(c * h + y) * w + x] = v;
                            sum += Math.abs(v);
                        }
                float factor = (float) (p.stepSize() / 255.0 / (sum / crop.length));
                float[] row = new float[w];
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < h; y++) {
                        src.getRow(c, y, row);
                        for (int x = 0; x < w; x++) row[x] = Math.max(0f, Math.min(1f, row[x] + factor * crop[(c * h + y) * w + x]));
                        src.putRow(c, y, row);
                    }
            }
        }
        return flat(src);
    }

    @Test
    void imageThatFitsInOneTileMatchesTheClassicUntiledAlgorithm() {
        DreamParameters p = params(3, 3, 512, 16, false, 99);
        FloatPlanes img = pattern(150, 110);
        float[] expected = classic(img, p);
        try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch).dream(img, new DreamListener() { })) {
            float[] actual = flat(out);
            assertArrayEquals(expected, actual, 1e-5f);
            float[] input = flat(img);
            double diff = 0;
            for (int i = 0; i < input.length; i++) diff += Math.abs(input[i] - actual[i]);
            assertTrue(diff / input.length > 1e-3, "the dream must change the image");
        }
    }

    @Test
    void sameSeedSameImageOtherSeedOtherImage() {
        FloatPlanes img = pattern(300, 200);
        float[] a = run(img, params(2, 2, 128, 16, false, 5));
        float[] b = run(img, params(2, 2, 128, 16, false, 5));
        float[] c = run(img, params(2, 2, 128, 16, false, 6));
        assertArrayEquals(a, b, 0f);
        assertFalse(java.util.Arrays.equals(a, c));
    }

    @Test
    void wrapModeRuns360PanoramasAndDiffersFromMirror() {
        FloatPlanes img = pattern(200, 90);
        float[] mirror = run(img, params(1, 2, 64, 16, false, 3));
        float[] wrap = run(img, params(1, 2, 64, 16, true, 3));
        assertFalse(java.util.Arrays.equals(mirror, wrap));
    }

    @Test
    void progressRisesMonotonicallyToExactlyTheTotal() {
        FloatPlanes img = pattern(211, 97);
        DreamParameters p = params(3, 2, 64, 16, false, 1);
        long total = OctaveSizes.totalWork(211, 97, p);
        List<Long> seen = new ArrayList<>();
        try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch).dream(img, new DreamListener() {
            @Override
            public void progress(long done, long t) {
                assertEquals(total, t);
                seen.add(done);
            }
        })) {
            for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) >= seen.get(i - 1));
            assertEquals(total, seen.get(seen.size() - 1));
        }
    }

    @Test
    void resumingFromAnInterruptionGivesTheUninterruptedResult() {
        FloatPlanes img = pattern(180, 120);
        DreamParameters p = params(2, 3, 64, 16, false, 11);
        CheckpointResume r = CheckpointResume.of(() -> new DreamEngine(TINY.gradients(), p, scratch), img, scratch);
        assertArrayEquals(r.uninterrupted(), r.resumed(), 0f);
    }

    @Test
    void tiledResultHasNoSeamsAtTileBorders() {
        // A flat grey image has no structure of its own: any tile-shaped pattern would come from the tiling.
        FloatPlanes img = FloatPlanes.create(256, 256, scratch);
        float[] row = new float[256];
        java.util.Arrays.fill(row, 0.5f);
        for (int c = 0; c < 3; c++) for (int y = 0; y < 256; y++) img.putRow(c, y, row);
        float[] out = run(img, params(1, 6, 64, 16, false, 2));
        // Mean absolute horizontal difference at every column boundary: no column (e.g. a fixed tile border) stands out.
        double[] colDiff = new double[255];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 256; y++)
                for (int x = 0; x < 255; x++)
                    colDiff[x] += Math.abs(out[(c * 256 + y) * 256 + x + 1] - out[(c * 256 + y) * 256 + x]);
        double mean = java.util.Arrays.stream(colDiff).average().orElseThrow();
        double max = java.util.Arrays.stream(colDiff).max().orElseThrow();
        assertTrue(mean > 0, "the dream must add detail");
        assertTrue(max < 3 * mean, "a column boundary stands out: max " + max + " vs mean " + mean);
    }

    float[] run(FloatPlanes img, DreamParameters p) {
        try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch).dream(img, new DreamListener() { })) {
            return flat(out);
        }
    }
}
