package io.dreamscape.engine.googlenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.weights.PthWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Numerical equivalence with torchvision: the synthetic weights of make_googlenet_fixtures.py, rebuilt in Java,
 * written as a .pth and loaded through the reader, must reproduce torchvision's activations of every layer.
 */
class GoogLeNetEquivalenceTest {

    static final double TOLERANCE = 1e-4;

    record Reference(String layer, long[] shape, double sum, double sumSq, int stride, float[] values) {
    }

    @Test
    void architectureHasExactlyTorchvisionsStateDictKeysAndShapes() throws IOException {
        List<String> lines = lines("/googlenet/state_dict_shapes.txt");
        LinkedHashMap<String, long[]> ours = GoogLeNetArchitecture.stateDictShapes();
        assertEquals(lines.size(), ours.size());
        int i = 0;
        for (Map.Entry<String, long[]> e : ours.entrySet()) {
            String[] f = lines.get(i++).split(" ");
            assertEquals(f[0], e.getKey());
            long[] shape = f[2].equals("scalar") ? new long[0] : Arrays.stream(f[2].split("x")).mapToLong(Long::parseLong).toArray();
            assertArrayEquals(shape, e.getValue(), e.getKey());
        }
    }

    @Test
    void matchesTorchvisionActivationsForIdenticalWeights(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("synthetic-googlenet.pth");
        PthWriter.write(SyntheticGoogLeNetWeights.stateDict(), file);
        assertMatchesTorchvision(file);
    }

    /** The same weights as full-size files written by torch.save itself (zip and legacy); see the fixture script. */
    @ParameterizedTest
    @ValueSource(strings = {"synthetic_zip.pth", "synthetic_legacy.pth"})
    @EnabledIfEnvironmentVariable(named = "GOOGLENET_TORCH_FILES", matches = ".+")
    void matchesTorchvisionLoadingTorchWrittenFiles(String name) throws IOException {
        assertMatchesTorchvision(Path.of(System.getenv("GOOGLENET_TORCH_FILES"), name));
    }

    private static void assertMatchesTorchvision(Path file) throws IOException {
        List<Reference> refs = references();
        List<String> layers = refs.stream().map(Reference::layer).toList();

        try (GoogLeNetNetwork net = GoogLeNetNetwork.load(file, Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            assertEquals(GoogLeNetNetwork.LAYERS, layers, "the fixture covers every layer, in order");
            NDArray x = m.create(SyntheticGoogLeNetWeights.input(3 * 67 * 61), new Shape(1, 3, 67, 61));
            NDList out = net.activations(x, layers);
            List<String> report = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                Reference r = refs.get(i);
                NDArray a = out.get(i);
                assertArrayEquals(r.shape(), a.getShape().getShape(), r.layer() + " shape");
                float[] v = a.toFloatArray();
                double maxAbs = 0;
                double maxDiff = 0;
                for (int k = 0; k < r.values().length; k++) {
                    maxAbs = Math.max(maxAbs, Math.abs(r.values()[k]));
                    maxDiff = Math.max(maxDiff, Math.abs(v[k * r.stride()] - r.values()[k]));
                }
                double sum = 0;
                double sumSq = 0;
                for (float f : v) {
                    sum += f;
                    sumSq += (double) f * f;
                }
                double relValues = maxDiff / maxAbs;
                double relSum = Math.abs(sum - r.sum()) / Math.abs(r.sum());
                double relSumSq = Math.abs(sumSq - r.sumSq()) / r.sumSq();
                report.add(String.format("%s: values %.2e, sum %.2e, sum of squares %.2e", r.layer(), relValues, relSum, relSumSq));
                assertTrue(maxAbs > 0.1, r.layer() + " has sane, non-zero activations");
                assertTrue(relValues <= TOLERANCE && relSum <= TOLERANCE && relSumSq <= TOLERANCE,
                        "relative error above 1e-4: " + report.get(report.size() - 1));
            }
            System.out.println("GoogLeNet (" + file.getFileName() + ") vs torchvision, relative errors:\n  " + String.join("\n  ", report));
        }
    }

    static List<Reference> references() throws IOException {
        List<String> lines = lines("/googlenet/reference_activations.txt");
        List<Reference> refs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += 2) {
            String[] h = lines.get(i).split(" ");
            String[] vals = lines.get(i + 1).split(" ");
            float[] v = new float[vals.length];
            for (int k = 0; k < v.length; k++) {
                v[k] = Float.parseFloat(vals[k]);
            }
            assertEquals(Integer.parseInt(h[5]), v.length);
            refs.add(new Reference(h[0], Arrays.stream(h[1].split("x")).mapToLong(Long::parseLong).toArray(),
                    Double.parseDouble(h[2]), Double.parseDouble(h[3]), Integer.parseInt(h[4]), v));
        }
        return refs;
    }

    static List<String> lines(String resource) throws IOException {
        try (InputStream in = GoogLeNetEquivalenceTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        }
    }
}
