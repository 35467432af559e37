package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.googlenet.GoogLeNetNetwork;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterException;
import io.dreamscape.service.UploadParameters;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --layer NAME#C1,C2[:W]}: the objective and its gradient come from the chosen channels only. */
class ChannelObjectiveTest {
    @RegisterExtension
    static final TinyNet TINY = new TinyNet();
    static final int W = 24;
    static final int H = 20;

    @TempDir
    Path scratch;

    static float[] randomWindow(long seed) {
        return EngineFixtures.randomWindow(seed, W, H);
    }

    /** Σ weight · mean over the chosen channels and positions of a², computed in Java from the activations. */
    static double byHand(float[] window, List<LayerWeight> terms) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDList acts = TINY.net().activations(m.create(window, new Shape(1, 3, H, W)), terms.stream().map(LayerWeight::name).toList());
            double total = 0;
            for (int t = 0; t < terms.size(); t++) {
                NDArray a = acts.get(t);
                int c = (int) a.getShape().get(1);
                int p = (int) (a.getShape().get(2) * a.getShape().get(3));
                float[] v = a.toFloatArray();
                List<Integer> chosen = terms.get(t).channels().isEmpty()
                        ? java.util.stream.IntStream.range(0, c).boxed().toList() : terms.get(t).channels();
                double sum = 0;
                for (int ch : chosen) {
                    for (int i = 0; i < p; i++) sum += (double) v[ch * p + i] * v[ch * p + i];
                }
                total += terms.get(t).weight() * sum / (chosen.size() * (double) p);
            }
            return total;
        }
    }

    @Test
    void theObjectiveIsTheMeanSquareOfTheChosenChannelsAndItsGradientMatchesFiniteDifferences() {
        List<LayerWeight> terms = List.of(LayerWeight.parse("conv2#3,7,11:0.7"), LayerWeight.parse("conv3#5"));
        float[] x = randomWindow(11);
        try (GradientStep step = new GradientStep(TINY.net(), terms, Device.cpu())) {
            GradientStep.Result r = step.compute(x.clone(), W, H);
            double hand = byHand(x, terms);
            assertTrue(hand > 0, "the chosen channels are active on this input");
            assertEquals(hand, r.objective(), 1e-5 * hand, "objective over channels 3, 7, 11 of conv2 and 5 of conv3");

            // Central differences of the hand-computed objective (double sums of the network's float activations)
            // at the pixels where the gradient is largest, and at a few random ones.
            float[] g = r.gradient();
            Integer[] order = java.util.stream.IntStream.range(0, g.length).boxed()
                    .sorted((a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a]))).toArray(Integer[]::new);
            double maxG = Math.abs(g[order[0]]);
            int[] probes = {order[0], order[1], order[2], order[3], order[4], 17, 400, 1000, 1333};
            float h = 2e-3f;
            for (int i : probes) {
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (byHand(plus, terms) - byHand(minus, terms)) / (2 * h);
                assertEquals(fd, g[i], 0.02 * maxG, "d objective / d pixel " + i);
            }

            // Not vacuous: the whole layers' gradient is another one.
            try (GradientStep all = new GradientStep(TINY.net(), List.of(new LayerWeight("conv2", 0.7), new LayerWeight("conv3", 1.0)),
                    Device.cpu())) {
                float[] ga = all.compute(x.clone(), W, H).gradient();
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < g.length; i++) {
                    diff += Math.abs(ga[i] / 1 - g[i]);
                    norm += Math.abs(g[i]);
                }
                assertTrue(diff > 0.1 * norm, "channels change the gradient (" + diff / norm + ")");
            }
        }
    }

    @Test
    void channelsOfOtherLayersOrOtherChannelsDoNotContribute() {
        // The gradient of conv2#3 alone plus that of conv2#7 alone, each with its mean over one channel, is twice the
        // gradient of conv2#3,7 (a mean over two channels): the terms are separable by channel.
        float[] x = randomWindow(5);
        try (GradientStep a = new GradientStep(TINY.net(), List.of(LayerWeight.parse("conv2#3")), Device.cpu());
             GradientStep b = new GradientStep(TINY.net(), List.of(LayerWeight.parse("conv2#7")), Device.cpu());
             GradientStep ab = new GradientStep(TINY.net(), List.of(LayerWeight.parse("conv2#7,3")), Device.cpu())) {
            float[] ga = a.compute(x.clone(), W, H).gradient();
            float[] gb = b.compute(x.clone(), W, H).gradient();
            float[] gab = ab.compute(x.clone(), W, H).gradient();
            double max = 0;
            for (float v : gab) max = Math.max(max, Math.abs(v));
            for (int i = 0; i < gab.length; i++) {
                assertEquals((ga[i] + gb[i]) / 2, gab[i], 1e-4 * max);
            }
        }
    }

    @Test
    void batchedWindowsGetTheirOwnChannelGradients() {
        // The resident path's batch: two windows in one call equal two calls of one window.
        float[] x1 = randomWindow(1);
        float[] x2 = randomWindow(2);
        try (GradientStep step = new GradientStep(TINY.net(), List.of(LayerWeight.parse("conv3#0,9,15:2")), Device.cpu());
             NDManager m = step.newManager()) {
            float[] both = new float[x1.length * 2];
            System.arraycopy(x1, 0, both, 0, x1.length);
            System.arraycopy(x2, 0, both, x1.length, x2.length);
            GradientStep.Batch b = step.computeBatch(m.create(both, new Shape(2, 3, H, W)));
            float[] g = b.gradient().toFloatArray();
            GradientStep.Result r1 = step.compute(x1.clone(), W, H);
            GradientStep.Result r2 = step.compute(x2.clone(), W, H);
            assertEquals(r1.objective(), b.objectives()[0], 1e-6);
            assertEquals(r2.objective(), b.objectives()[1], 1e-6);
            for (int i = 0; i < x1.length; i++) {
                assertEquals(r1.gradient()[i], g[i], 1e-6);
                assertEquals(r2.gradient()[i], g[x1.length + i], 1e-6);
            }
        }
    }

    @Test
    void channelCountsComeFromTheSidecarTheArchitectureOrOneProbe() throws Exception {
        Map<String, Integer> expected = Map.of("conv1", 8, "conv2", 16, "conv3", 16);
        assertEquals(expected, TINY.net().channels(), "dict model: probed");
        try (TorchScriptNetwork tuple = TestFixtures.tinyTuple()) {
            assertEquals(expected, tuple.channels(), "tuple model: from its sidecar");
            assertEquals(List.of("conv1", "conv2", "conv3"), List.copyOf(tuple.channels().keySet()));
        }
        assertEquals(GoogLeNetNetwork.LAYERS, List.copyOf(GoogLeNetNetwork.CHANNELS.keySet()));
        assertEquals(512, GoogLeNetNetwork.CHANNELS.get("inception4c"));
        assertEquals(1024, GoogLeNetNetwork.CHANNELS.get("inception5b"));
        assertEquals(480, GoogLeNetNetwork.CHANNELS.get("maxpool3"));
        // The upload check (functions module, no engine) uses its own copy of these counts: they must agree.
        assertEquals(Map.copyOf(GoogLeNetNetwork.CHANNELS), Map.copyOf(UploadParameters.GOOGLENET_CHANNELS));
    }

    static DreamParameters params(String json) {
        return DreamParameters.defaults().with(io.dreamscape.job.ParameterJson.parse(json)).validated().withSeed(1);
    }

    @Test
    void aChannelBeyondTheLayerIsRefusedWithASentenceAndUnknownLayersListTheirCounts() {
        DreamParameters p = params("{\"layers\": [\"conv2#3,16\"]}");
        ParameterException e = assertThrows(ParameterException.class,
                () -> LayerSelection.resolve(p, TINY.net().layers(), TINY.net().channels()));
        assertEquals("layer 'conv2' has 16 channels (0 to 15); channel 16 does not exist", e.getMessage());
        ParameterException step = assertThrows(ParameterException.class,
                () -> new GradientStep(TINY.net(), List.of(LayerWeight.parse("conv1#8")), Device.cpu()));
        assertTrue(step.getMessage().contains("'conv1' has 8 channels (0 to 7); channel 8 does not exist"), step.getMessage());

        DreamParameters unknown = params("{\"layers\": [\"conv9#1\"]}");
        ParameterException u = assertThrows(ParameterException.class,
                () -> LayerSelection.resolve(unknown, TINY.net().layers(), TINY.net().channels()));
        assertEquals("unknown layer 'conv9'; this model's layers are: conv1 (8 channels), conv2 (16 channels), "
                + "conv3 (16 channels)", u.getMessage());
        // the engine's own guard (callers that skip LayerSelection) says the same
        IllegalArgumentException guard = assertThrows(IllegalArgumentException.class,
                () -> new GradientStep(TINY.net(), List.of(new LayerWeight("conv9", 1.0)), Device.cpu()));
        assertEquals(u.getMessage(), guard.getMessage());
    }

    /** A network that counts its forward passes (to show that bad channels are refused before any). */
    static final class Counting implements DreamNetwork {
        final DreamNetwork inner;
        int calls;

        Counting(DreamNetwork inner) {
            this.inner = inner;
        }

        @Override
        public List<String> layers() {
            return inner.layers();
        }

        @Override
        public Map<String, Integer> channels() {
            return inner.channels();
        }

        @Override
        public NDList activations(NDArray input, List<String> layers) {
            calls++;
            return inner.activations(input, layers);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aBadChannelStopsDreamFileBeforeAnyModelCallAndWritesNothing() throws Exception {
        Path in = scratch.resolve("in.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(img, "png", in.toFile());
        Path out = scratch.resolve("out.png");
        DreamParameters p = params("{\"layers\": [\"conv3#2,40\"], \"octaves\": 1, \"steps\": 1, \"tile\": 128}");
        try (Counting counting = new Counting(TestFixtures.tinyTuple())) {
            ParameterException e = assertThrows(ParameterException.class, () -> DreamFile.run(in, out, p, counting,
                    Device.cpu(), scratch.resolve("s"), new DreamListener() { }));
            assertTrue(e.getMessage().contains("channel 40 does not exist"), e.getMessage());
            assertEquals(0, counting.calls, "no forward pass before the refusal (the sidecar knows the counts)");
            assertTrue(!java.nio.file.Files.exists(out));
        }
    }
}
