package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --keep-colors} (issue 14): the dream changes luminance only; the input's chroma stays. */
class KeepColorsTest {
    static final List<LayerWeight> LAYERS = DreamEnginePathsTest.LAYERS; // the engine tests' conv2 + conv3/2

    @RegisterExtension
    static final TinyNet TINY = new TinyNet(LAYERS);

    @TempDir
    Path scratch;

    static DreamParameters params(boolean keep, String deviceMemory) {
        return DreamParameters.defaults().with(ParameterOverrides.builder().model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4).steps(4)
                .stepSize(3.0).jitter(16).tile(96).seed(9L).wrap(Wrap.NONE).quality(95)
                .maxPixels(1_000_000_000L).deviceMemory(deviceMemory).keepColors(keep).build()).validated();
    }

    /** Chroma (Cb, Cr of Rec. 601 YCbCr, in 0-1 units) and luma of a pixel. */
    static double[] ycc(float r, float g, float b) {
        double y = KeepColors.KR * r + KeepColors.KG * g + KeepColors.KB * b;
        return new double[] {y, 0.564 * (b - y), 0.713 * (r - y)};
    }

    @Test
    void chromaStaysTheInputsAndLuminanceIsTheDreams() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170)) {
            for (String memory : new String[] {"0", "4G"}) {
                try (FloatPlanes kept = new DreamEngine(TINY.gradients(), params(true, memory), scratch).dream(img, new DreamListener() { });
                     FloatPlanes plain = new DreamEngine(TINY.gradients(), params(false, memory), scratch).dream(img, new DreamListener() { })) {
                    int w = img.width();
                    float[][] in = new float[3][w];
                    float[][] out = new float[3][w];
                    float[][] dream = new float[3][w];
                    double worstChroma = 0;
                    double lumaChange = 0;
                    double plainChroma = 0;
                    long checked = 0;
                    for (int y = 0; y < img.height(); y++) {
                        for (int c = 0; c < 3; c++) {
                            img.getRow(c, y, in[c]);
                            kept.getRow(c, y, out[c]);
                            plain.getRow(c, y, dream[c]);
                        }
                        for (int x = 0; x < w; x++) {
                            double[] a = ycc(in[0][x], in[1][x], in[2][x]);
                            double[] b = ycc(out[0][x], out[1][x], out[2][x]);
                            double[] d = ycc(dream[0][x], dream[1][x], dream[2][x]);
                            // the luminance is the plain dream's wherever nothing was clipped
                            boolean clipped = false;
                            for (int c = 0; c < 3; c++) clipped |= out[c][x] <= 0f || out[c][x] >= 1f;
                            if (clipped) continue;
                            checked++;
                            worstChroma = Math.max(worstChroma, Math.max(Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])));
                            assertTrue(Math.abs(b[0] - d[0]) < 1e-5, "luma is the dream's at " + x + "," + y);
                            lumaChange += Math.abs(b[0] - a[0]);
                            plainChroma += Math.abs(a[1] - d[1]) + Math.abs(a[2] - d[2]);
                        }
                    }
                    long pixels = img.pixels();
                    String what = "memory " + memory + ": worst chroma difference " + worstChroma + ", mean luma change "
                            + lumaChange / checked + ", mean chroma change without keep-colors " + plainChroma / checked
                            + ", unclipped " + checked + "/" + pixels;
                    System.out.println("KeepColorsTest " + what);
                    assertTrue(checked > pixels * 0.9, what);
                    assertTrue(worstChroma <= 1.0 / 255, what);
                    assertTrue(lumaChange / checked > 5.0 / 255, "the dream did change the luminance: " + what);
                    assertTrue(plainChroma / checked > 1.0 / 255, "without keep-colors the chroma does change: " + what);
                }
            }
        }
    }

    @Test
    void aCheckpointResumeWithWrapXAndKeepColorsGivesTheUninterruptedResult() throws Exception {
        try (FloatPlanes img = new DreamEngineTest().patternIn(scratch, 300, 170)) {
            for (String memory : new String[] {"0", "4G"}) {
                DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model("tiny").layers(LAYERS).octaves(2).octaveScale(1.4)
                        .steps(3).stepSize(3.0).jitter(16).tile(96).seed(13L).wrap(Wrap.X).quality(95)
                        .maxPixels(1_000_000_000L).deviceMemory(memory).keepColors(true).build()).validated();
                CheckpointResume r = CheckpointResume.of(() -> new DreamEngine(TINY.gradients(), p, scratch), img, scratch);
                org.junit.jupiter.api.Assertions.assertArrayEquals(r.uninterrupted(), r.resumed(), 0f, "memory " + memory);
            }
        }
    }
}
