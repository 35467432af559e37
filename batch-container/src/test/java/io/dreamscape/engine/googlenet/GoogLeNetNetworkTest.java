package io.dreamscape.engine.googlenet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.dreamscape.engine.weights.PthFormatException;
import io.dreamscape.engine.weights.PthWriter;
import io.dreamscape.engine.weights.TorchTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the built-in GoogLeNet beyond numerical equivalence: gradients, depth, validation of weights. */
class GoogLeNetNetworkTest {

    static GoogLeNetNetwork net;
    static NDManager root;

    @BeforeAll
    static void load() {
        net = new GoogLeNetNetwork(SyntheticGoogLeNetWeights.stateDict(), Device.cpu(), "googlenet (synthetic)");
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        net.close();
        root.close();
    }

    private static NDArray input(NDManager m, int h, int w) {
        return m.create(SyntheticGoogLeNetWeights.input(3 * h * w), new Shape(1, 3, h, w));
    }

    private static double objective(NDArray x, String layer) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray xc = x.duplicate();
            xc.attach(m);
            return net.activations(xc, List.of(layer)).get(0).square().mean().getFloat();
        }
    }

    @Test
    void gradientFlowsToTheInputAndNoParameterGradientsAccumulate() {
        List<NDArray> params = net.parameterArrays();
        assertEquals(2 * (3 + 4 * 9), params.size());
        float[] first = null;
        for (int step = 0; step < 3; step++) {
            try (NDManager m = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = input(m, 64, 64);
                x.setRequiresGradient(true);
                NDArray a = net.activations(x, List.of("inception4c")).get(0);
                assertSame(m, a.getManager(), "activations belong to the input's manager");
                NDArray loss = a.square().mean();
                gc.backward(loss);
                float[] g = x.getGradient().toFloatArray();
                double norm = 0;
                for (float v : g) {
                    assertTrue(Float.isFinite(v));
                    norm += v * v;
                }
                assertTrue(norm > 0, "the gradient w.r.t. the input is non-zero");
                if (first == null) {
                    first = g;
                } else {
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(first[i], g[i], 1e-6 * Math.abs(first[i]) + 1e-12, "same input, same gradient at step " + step);
                    }
                }
            }
            for (NDArray p : params) {
                assertFalse(p.hasGradient(), "parameters never require or hold gradients");
            }
        }
    }

    @Test
    void gradientMatchesAFiniteDifference() {
        try (NDManager m = root.newSubManager()) {
            NDArray x = input(m, 48, 40);
            NDArray g;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray xg = x.duplicate();
                xg.setRequiresGradient(true);
                gc.backward(net.activations(xg, List.of("inception3b")).get(0).square().mean());
                g = xg.getGradient().duplicate();
            }
            NDArray d = g.div(g.norm());
            double h = 1e-2;
            double numeric = (objective(x.add(d.mul(h)), "inception3b") - objective(x.sub(d.mul(h)), "inception3b")) / (2 * h);
            double analytic = g.mul(d).sum().getFloat();
            assertEquals(analytic, numeric, 0.03 * Math.abs(analytic), "directional derivative along the gradient");
        }
    }

    @Test
    void returnsRequestedLayersInTheGivenOrderWithTorchvisionShapes() {
        try (NDManager m = root.newSubManager()) {
            NDList out = net.activations(input(m, 224, 224), List.of("inception4c", "conv1", "maxpool4", "inception4c"));
            assertEquals(new Shape(1, 512, 14, 14), out.get(0).getShape());
            assertEquals(new Shape(1, 64, 112, 112), out.get(1).getShape());
            assertEquals(new Shape(1, 832, 7, 7), out.get(2).getShape());
            assertEquals(out.get(0).getShape(), out.get(3).getShape());
        }
    }

    @Test
    void computesNoDeeperThanTheDeepestRequestedLayer() {
        // 6×6 is enough for conv3 but too small for inception4c: it only works if nothing deeper runs
        assertTrue(GoogLeNetNetwork.minimumInputSize("conv3") <= 6);
        assertTrue(GoogLeNetNetwork.minimumInputSize("inception4c") > 6);
        try (NDManager m = root.newSubManager()) {
            NDList out = net.activations(input(m, 6, 6), List.of("conv1", "conv3"));
            assertEquals(new Shape(1, 192, 1, 1), out.get(1).getShape());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.activations(input(m, 6, 6), List.of("inception4c")));
            assertTrue(e.getMessage().contains("too small") && e.getMessage().contains("inception4c"), e.getMessage());
        }
    }

    @Test
    void minimumInputSizeIsExact() {
        for (String layer : GoogLeNetNetwork.LAYERS) {
            int min = GoogLeNetNetwork.minimumInputSize(layer);
            try (NDManager m = root.newSubManager()) {
                NDArray out = net.activations(input(m, min, min), List.of(layer)).get(0);
                assertTrue(out.getShape().get(2) >= 1, layer);
            }
        }
        // as measured with torchvision 0.14 (15 is torchvision's documented min_size)
        int[] expected = {1, 3, 3, 3, 7, 7, 7, 15, 15, 15, 15, 15, 15, 15, 15, 15};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], GoogLeNetNetwork.minimumInputSize(GoogLeNetNetwork.LAYERS.get(i)), GoogLeNetNetwork.LAYERS.get(i));
        }
    }

    @Test
    void unknownLayerListsTheAvailableOnes() {
        try (NDManager m = root.newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.activations(input(m, 32, 32), List.of("mixed4c")));
            assertTrue(e.getMessage().contains("mixed4c") && e.getMessage().contains("inception4c"), e.getMessage());
        }
    }

    @Test
    void loadsWithoutTheClassifierHeadsAndBatchCounters() {
        Map<String, TorchTensor> sd = new LinkedHashMap<>(SyntheticGoogLeNetWeights.stateDict());
        sd.keySet().removeIf(k -> k.startsWith("aux") || k.startsWith("fc.") || k.endsWith("num_batches_tracked"));
        new GoogLeNetNetwork(sd, Device.cpu(), "headless").close();
    }

    @Test
    void refusesMissingUnexpectedAndMisShapedTensorsListingEach(@TempDir Path tmp) throws IOException {
        Map<String, TorchTensor> sd = new LinkedHashMap<>(SyntheticGoogLeNetWeights.stateDict());
        sd.remove("inception4c.branch2.1.conv.weight");
        sd.put("inception4c.branch2.1.extra", TorchTensor.ofFloats(new long[] {1}, new float[] {1}));
        sd.put("conv1.conv.weight", TorchTensor.ofFloats(new long[] {64, 3, 5, 5}, new float[64 * 3 * 25]));
        sd.put("conv2.bn.running_var", TorchTensor.ofLongs(new long[] {64}, new long[64]));
        Path f = tmp.resolve("broken.pth");
        PthWriter.write(sd, f);
        PthFormatException e = assertThrows(PthFormatException.class, () -> GoogLeNetNetwork.load(f, Device.cpu()));
        String msg = e.getMessage();
        for (String part : List.of(f.toString(), "not torchvision GoogLeNet weights", "1 missing (inception4c.branch2.1.conv.weight)",
                "1 unexpected (inception4c.branch2.1.extra)", "conv1.conv.weight is [64, 3, 5, 5], expected [64, 3, 7, 7]",
                "conv2.bn.running_var is int64")) {
            assertTrue(msg.contains(part), "expected '" + part + "' in: " + msg);
        }
    }

    @Test
    void refusesAStateDictOfAnotherNetwork() {
        Map<String, TorchTensor> sd = Map.of("features.0.weight", TorchTensor.ofFloats(new long[] {1}, new float[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GoogLeNetNetwork(sd, Device.cpu(), "x"));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("more"), e.getMessage());
    }
}
