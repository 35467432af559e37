package io.dreamscape.engine.googlenet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * With torchvision's real weights, when a machine has them (they cannot be downloaded in CI):
 * {@code DREAMSCAPE_GOOGLENET_WEIGHTS=/path/to/googlenet-1378be20.pth}.
 */
@EnabledIfEnvironmentVariable(named = "DREAMSCAPE_GOOGLENET_WEIGHTS", matches = ".+")
class GoogLeNetRealWeightsTest {

    @Test
    void loadsTheOfficialFileAndDreamingRaisesTheObjective() throws IOException {
        Path file = Path.of(System.getenv("DREAMSCAPE_GOOGLENET_WEIGHTS"));
        try (GoogLeNetNetwork net = GoogLeNetNetwork.load(file, Device.cpu());
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = root.create(SyntheticGoogLeNetWeights.input(3 * 224 * 224), new Shape(1, 3, 224, 224)).mul(0.2f).add(0.4f);
            NDList all = net.activations(x, GoogLeNetNetwork.LAYERS);
            for (int i = 0; i < all.size(); i++) {
                float[] v = all.get(i).toFloatArray();
                double sq = 0;
                for (float f : v) {
                    assertTrue(Float.isFinite(f));
                    sq += f * f;
                }
                assertTrue(sq > 0, GoogLeNetNetwork.LAYERS.get(i) + " is not all zero");
            }
            double first = 0;
            double last = 0;
            for (int step = 0; step < 5; step++) {
                try (NDManager m = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray xs = x.duplicate();
                    xs.attach(m);
                    xs.setRequiresGradient(true);
                    NDArray loss = net.activations(xs, List.of(GoogLeNetNetwork.DEFAULT_LAYER)).get(0).square().mean();
                    gc.backward(loss);
                    NDArray g = xs.getGradient();
                    NDArray next = x.add(g.div(g.abs().mean().add(1e-8f)).mul(1.5f / 255f)).clip(0f, 1f);
                    next.attach(root);
                    x = next;
                    double l = loss.getFloat();
                    if (step == 0) {
                        first = l;
                    }
                    last = l;
                }
            }
            assertTrue(last > first, "the objective rises: " + first + " -> " + last);
        }
    }
}
