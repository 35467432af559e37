package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.MaskInput;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --mask} (issue 14): black stays exactly the input, white dreams, tiled, on both engine paths. */
class MaskTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);

    @TempDir
    Path scratch;

    static DreamParameters params(String deviceMemory, String mask, boolean keepColors) {
        return DreamParameters.defaults().with(ParameterOverrides.builder().model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(4)
                .stepSize(3.0).jitter(16).tile(96).seed(9L).wrap(Wrap.NONE).quality(95)
                .maxPixels(1_000_000_000L).deviceMemory(deviceMemory).keepColors(keepColors).mask(mask).build()).validated();
    }

    /** A half-size greyscale PNG mask: the left half black, the right half white. */
    Path halfMask(int w, int h) throws Exception {
        return TestFixtures.halfMask(scratch.resolve("mask.png"), w, h);
    }

    @Test
    void blackHalfStaysExactlyTheInputAndWhiteHalfDreamsTiledOnBothPaths() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            FloatPlanes[] masked = new FloatPlanes[2];
            String[] memories = {"0", "4G"};
            try {
                for (int i = 0; i < 2; i++) {
                    String memory = memories[i];
                    DreamEngine engine = new DreamEngine(TINY.gradients(), params(memory, "mask.png", false), scratch, mask);
                    masked[i] = engine.dream(img, new DreamListener() { });
                    // the resident path uploads the image (and the mask) once per octave; the streamed one never
                    assertEquals(memory.equals("4G"), engine.transfers().uploads() > 0, "memory " + memory);
                    try (FloatPlanes plain = new DreamEngine(TINY.gradients(), params(memory, null, false), scratch)
                            .dream(img, new DreamListener() { })) {
                        Change c = compare(img, masked[i], plain, mask);
                        String what = "memory " + memory + ": " + c;
                        System.out.println("MaskTest " + what);
                        assertEquals(0, c.blackChanged, "pixels under black are the input's, bit for bit: " + what);
                        assertTrue(c.black > 0.45 * img.pixels(), what);
                        assertTrue(c.whiteMean > 5.0 / 255, "the white half dreams: " + what);
                        // the normaliser per painted pixel: the painted half moves about as far as an unmasked dream
                        assertTrue(c.whiteMean > 0.5 * c.plainWhiteMean && c.whiteMean < 2 * c.plainWhiteMean, what);
                    }
                }
                double worst = worstDifference(masked[0], masked[1]);
                assertTrue(worst < 1e-4, "streamed and resident paths agree with a mask: " + worst);
            } finally {
                for (FloatPlanes p : masked) if (p != null) p.close();
            }
        }
    }

    @Test
    void keepColorsWithAMaskStillLeavesBlackExact() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch);
             FloatPlanes out = new DreamEngine(TINY.gradients(), params("0", "mask.png", true), scratch, mask)
                     .dream(img, new DreamListener() { });
             FloatPlanes plain = new DreamEngine(TINY.gradients(), params("0", null, true), scratch).dream(img, new DreamListener() { })) {
            Change c = compare(img, out, plain, mask);
            assertEquals(0, c.blackChanged, c.toString());
            assertTrue(c.whiteMean > 2.0 / 255, c.toString());
        }
    }

    @Test
    void wrapXWithAMaskKeepsBlackExactOnBothPaths() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            for (String memory : new String[] {"0", "4G"}) {
                DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4)
                        .steps(3).stepSize(3.0).jitter(16).tile(96).seed(9L).wrap(Wrap.X).quality(95)
                        .maxPixels(1_000_000_000L).deviceMemory(memory).keepColors(false).mask("mask.png").build()).validated();
                try (FloatPlanes out = new DreamEngine(TINY.gradients(), p, scratch, mask).dream(img, new DreamListener() { });
                     FloatPlanes plain = new DreamEngine(TINY.gradients(), params(memory, null, false), scratch)
                             .dream(img, new DreamListener() { })) {
                    Change c = compare(img, out, plain, mask);
                    assertEquals(0, c.blackChanged, "memory " + memory + ": " + c);
                    assertTrue(c.whiteMean > 5.0 / 255, "memory " + memory + ": " + c);
                }
            }
        }
    }

    @Test
    void laplacianWithAMaskKeepsBlackExactAndDreamsWhiteOnBothPaths() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            FloatPlanes[] out = new FloatPlanes[2];
            String[] memories = {"0", "4G"};
            try {
                for (int i = 0; i < 2; i++) {
                    DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model("tiny").layers(LAYERS).octaves(2)
                            .octaveScale(1.4).steps(3).stepSize(3.0).jitter(16).tile(96).seed(9L)
                            .wrap(Wrap.NONE).quality(95).maxPixels(1_000_000_000L).deviceMemory(memories[i])
                            .keepColors(false).mask("mask.png")
                            .normalize(io.dreamscape.job.Normalize.LAPLACIAN).build()).validated();
                    out[i] = new DreamEngine(TINY.gradients(), p, scratch, mask).dream(img, new DreamListener() { });
                    Change c = compare(img, out[i], out[i], mask);
                    assertEquals(0, c.blackChanged, "memory " + memories[i] + ": " + c);
                    assertTrue(c.whiteMean > 5.0 / 255, "memory " + memories[i] + ": " + c);
                }
                double worst = worstDifference(out[0], out[1]);
                assertTrue(worst < 1e-3, "laplacian + mask: the paths agree: " + worst);
            } finally {
                for (FloatPlanes p : out) if (p != null) p.close();
            }
        }
    }

    @Test
    void anAllBlackMaskLeavesTheImageAsItWas() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 200, 120);
             FloatPlanes mask = FloatPlanes.createSingle(200, 120, scratch);
             FloatPlanes out = new DreamEngine(TINY.gradients(), params("4G", "black.png", false), scratch, mask)
                     .dream(img, new DreamListener() { })) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 120; y++) {
                    for (int x = 0; x < 200; x++) assertEquals(img.get(c, y, x), out.get(c, y, x));
                }
            }
        }
    }

    @Test
    void aCheckpointResumeWithAMaskGivesTheUninterruptedResultOnBothPaths() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            for (String memory : new String[] {"0", "4G"}) {
                DreamParameters p = params(memory, "mask.png", false);
                CheckpointResume r = CheckpointResume.of(() -> new DreamEngine(TINY.gradients(), p, scratch, mask), img, scratch);
                org.junit.jupiter.api.Assertions.assertArrayEquals(r.uninterrupted(), r.resumed(), 0f, "memory " + memory);
            }
        }
    }

    /** The largest difference of one sample between two images of the same size. */
    static double worstDifference(FloatPlanes a, FloatPlanes b) {
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < a.height(); y++) {
                for (int x = 0; x < a.width(); x++) {
                    worst = Math.max(worst, Math.abs(a.get(c, y, x) - b.get(c, y, x)));
                }
            }
        }
        return worst;
    }

    record Change(long black, long blackChanged, double whiteMean, double plainWhiteMean) {
    }

    static Change compare(FloatPlanes in, FloatPlanes out, FloatPlanes plain, FloatPlanes mask) {
        long black = 0;
        long changed = 0;
        long white = 0;
        double sum = 0;
        double plainSum = 0;
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < in.width(); x++) {
                float m = mask.get(0, y, x);
                for (int c = 0; c < 3; c++) {
                    float a = in.get(c, y, x);
                    float b = out.get(c, y, x);
                    if (m == 0f) {
                        if (c == 0) black++;
                        if (Float.floatToIntBits(a) != Float.floatToIntBits(b)) changed++;
                    } else if (m == 1f) {
                        if (c == 0) white++;
                        sum += Math.abs(b - a);
                        plainSum += Math.abs(plain.get(c, y, x) - a);
                    }
                }
            }
        }
        return new Change(black, changed, sum / (3.0 * white), plainSum / (3.0 * white));
    }
}
