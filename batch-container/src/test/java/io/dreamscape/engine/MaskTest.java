package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.MaskInput;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --mask} (issue 14): black stays exactly the input, white dreams, tiled, on both engine paths. */
class MaskTest {
    static final List<LayerWeight> LAYERS = List.of(new LayerWeight("conv2", 1.0), new LayerWeight("conv3", 0.5));

    @TempDir
    Path scratch;

    static DreamParameters params(String deviceMemory, String mask, boolean keepColors) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(4).stepSize(3.0).jitter(16).tile(96)
                .seed(9L).wrap(Wrap.NONE).quality(95).maxPixels(1_000_000_000L).deviceMemory(deviceMemory)
                .keepColors(keepColors).mask(mask).build()).validated();
    }

    /** A half-size greyscale PNG mask: the left half black, the right half white. */
    Path halfMask(int w, int h) throws Exception {
        BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = w / 2; x < w; x++) m.getRaster().setSample(x, y, 0, 255);
        Path file = scratch.resolve("mask.png");
        ImageIO.write(m, "png", file.toFile());
        return file;
    }

    @Test
    void blackHalfStaysExactlyTheInputAndWhiteHalfDreamsTiledOnBothPaths() throws Exception {
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            FloatPlanes[] masked = new FloatPlanes[2];
            String[] memories = {"0", "4G"};
            try {
                for (int i = 0; i < 2; i++) {
                    String memory = memories[i];
                    DreamEngine engine = new DreamEngine(g, params(memory, "mask.png", false), scratch, mask);
                    masked[i] = engine.dream(img, new DreamListener() { });
                    // the resident path uploads the image (and the mask) once per octave; the streamed one never
                    assertEquals(memory.equals("4G"), engine.transfers().uploads() > 0, "memory " + memory);
                    try (FloatPlanes plain = new DreamEngine(g, params(memory, null, false), scratch)
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
                double worst = 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < img.height(); y++) {
                        for (int x = 0; x < img.width(); x++) {
                            worst = Math.max(worst, Math.abs(masked[0].get(c, y, x) - masked[1].get(c, y, x)));
                        }
                    }
                }
                assertTrue(worst < 1e-4, "streamed and resident paths agree with a mask: " + worst);
            } finally {
                for (FloatPlanes p : masked) if (p != null) p.close();
            }
        }
    }

    @Test
    void keepColorsWithAMaskStillLeavesBlackExact() throws Exception {
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch);
             FloatPlanes out = new DreamEngine(g, params("0", "mask.png", true), scratch, mask)
                     .dream(img, new DreamListener() { });
             FloatPlanes plain = new DreamEngine(g, params("0", null, true), scratch).dream(img, new DreamListener() { })) {
            Change c = compare(img, out, plain, mask);
            assertEquals(0, c.blackChanged, c.toString());
            assertTrue(c.whiteMean > 2.0 / 255, c.toString());
        }
    }

    @Test
    void wrapXWithAMaskKeepsBlackExactOnBothPaths() throws Exception {
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            for (String memory : new String[] {"0", "4G"}) {
                DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                        .model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(3).stepSize(3.0).jitter(16)
                        .tile(96).seed(9L).wrap(Wrap.X).quality(95).maxPixels(1_000_000_000L).deviceMemory(memory)
                        .keepColors(false).mask("mask.png").build()).validated();
                try (FloatPlanes out = new DreamEngine(g, p, scratch, mask).dream(img, new DreamListener() { });
                     FloatPlanes plain = new DreamEngine(g, params(memory, null, false), scratch)
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
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            FloatPlanes[] out = new FloatPlanes[2];
            String[] memories = {"0", "4G"};
            try {
                for (int i = 0; i < 2; i++) {
                    DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                            .model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(3).stepSize(3.0)
                            .jitter(16).tile(96).seed(9L).wrap(Wrap.NONE).quality(95).maxPixels(1_000_000_000L)
                            .deviceMemory(memories[i]).keepColors(false).mask("mask.png")
                            .normalize(io.dreamscape.job.Normalize.LAPLACIAN).build()).validated();
                    out[i] = new DreamEngine(g, p, scratch, mask).dream(img, new DreamListener() { });
                    Change c = compare(img, out[i], out[i], mask);
                    assertEquals(0, c.blackChanged, "memory " + memories[i] + ": " + c);
                    assertTrue(c.whiteMean > 5.0 / 255, "memory " + memories[i] + ": " + c);
                }
                double worst = 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < img.height(); y++) {
                        for (int x = 0; x < img.width(); x++) {
                            worst = Math.max(worst, Math.abs(out[0].get(c, y, x) - out[1].get(c, y, x)));
                        }
                    }
                }
                assertTrue(worst < 1e-3, "laplacian + mask: the paths agree: " + worst);
            } finally {
                for (FloatPlanes p : out) if (p != null) p.close();
            }
        }
    }

    @Test
    void anAllBlackMaskLeavesTheImageAsItWas() throws Exception {
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 200, 120);
             FloatPlanes mask = FloatPlanes.createSingle(200, 120, scratch);
             FloatPlanes out = new DreamEngine(g, params("4G", "black.png", false), scratch, mask)
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
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, LAYERS, Device.cpu());
             FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170);
             FloatPlanes mask = MaskInput.load(halfMask(150, 85), 300, 170, 1_000_000L, scratch)) {
            for (String memory : new String[] {"0", "4G"}) {
                DreamParameters p = params(memory, "mask.png", false);
                float[] whole;
                try (FloatPlanes out = new DreamEngine(g, p, scratch, mask).dream(img, new DreamListener() { })) {
                    whole = DreamEngineTest.flat(out);
                }
                FloatPlanes[] saved = new FloatPlanes[1];
                DreamInterrupted stop = org.junit.jupiter.api.Assertions.assertThrows(DreamInterrupted.class,
                        () -> new DreamEngine(g, p, scratch, mask).dream(img, new DreamListener() {
                            @Override
                            public boolean continueAfter(int octave, int stepsDone, FloatPlanes working) {
                                if (octave == 1 && stepsDone == 1) {
                                    saved[0] = FloatPlanes.create(working.width(), working.height(), scratch);
                                    saved[0].copyFrom(working);
                                    return false;
                                }
                                return true;
                            }
                        }));
                try (FloatPlanes out = new DreamEngine(g, p, scratch, mask).dream(img, new DreamListener() { },
                        new StartPoint(stop.octave(), stop.stepsDone(), saved[0]))) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(whole, DreamEngineTest.flat(out), 0f, "memory " + memory);
                }
                saved[0].close();
            }
        }
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
