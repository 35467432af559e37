package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the engine benchmarks share: their command line's first six words {@code MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS},
 * a scratch folder, the model on the CPU with one gradient step over LAYER, SeamScore's smooth image of
 * WIDTH×HEIGHT, and the one timing they take, milliseconds per step of a whole dream.
 */
record BenchmarkHarness(Path model, List<LayerWeight> layers, int width, int height, int steps, int rounds,
                        Path scratch, DreamNetwork net, GradientStep gradients, FloatPlanes image)
        implements AutoCloseable {

    static BenchmarkHarness open(String[] a, String scratchPrefix) throws IOException {
        Path model = Path.of(a[0]);
        List<LayerWeight> layers = List.of(new LayerWeight(a[1], 1.0));
        int w = Integer.parseInt(a[2]);
        int h = Integer.parseInt(a[3]);
        Path scratch = Files.createTempDirectory(scratchPrefix);
        DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu());
        GradientStep g = new GradientStep(net, layers, Device.cpu());
        return new BenchmarkHarness(model, layers, w, h, Integer.parseInt(a[4]), Integer.parseInt(a[5]),
                scratch, net, g, SeamScore.smoothFixture(w, h, scratch));
    }

    /** Milliseconds per step of one whole dream of the image (the engine is made inside the timing; mask may be null). */
    double msPerStep(DreamParameters p, FloatPlanes mask) {
        long t0 = System.nanoTime();
        try (FloatPlanes out = new DreamEngine(gradients, p, scratch, mask).dream(image, new DreamListener() { })) {
            return (System.nanoTime() - t0) / 1e6 / steps;
        }
    }

    @Override
    public void close() {
        image.close();
        gradients.close();
        net.close();
    }
}
