package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Issue 14's extra time per step of {@code --wrap x}, {@code --wrap xy} and {@code --keep-colors} against neither,
 * run alternately in one process (so they see the same machine load), streamed path (CPU).
 * Usage: {@code ArtistControlsBenchmark MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS}; prints markdown rows.
 */
public final class ArtistControlsBenchmark {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        List<LayerWeight> layers = List.of(new LayerWeight(a[1], 1.0));
        int w = Integer.parseInt(a[2]);
        int h = Integer.parseInt(a[3]);
        int steps = Integer.parseInt(a[4]);
        int rounds = Integer.parseInt(a[5]);
        Path scratch = Files.createTempDirectory("artist-bench");
        String[] names = {"none", "wrap x", "wrap xy", "keep-colors"};
        double[] ms = new double[names.length];
        try (DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             GradientStep g = new GradientStep(net, layers, Device.cpu());
             FloatPlanes img = SeamScore.smoothFixture(w, h, scratch)) {
            for (int r = -1; r < rounds; r++) { // round -1 warms up
                for (int i = 0; i < names.length; i++) {
                    Wrap wrap = i == 1 ? Wrap.X : i == 2 ? Wrap.XY : Wrap.NONE;
                    DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                            .model(model.toString()).layers(layers).octaves(1).steps(steps).stepSize(1.5).jitter(32)
                            .tile(512).seed(3L).wrap(wrap).deviceMemory("0").keepColors(i == 3).build()).validated();
                    long t0 = System.nanoTime();
                    try (FloatPlanes out = new DreamEngine(g, p, scratch).dream(img, new DreamListener() { })) {
                        if (r >= 0) ms[i] += (System.nanoTime() - t0) / 1e6 / steps / rounds;
                    }
                }
            }
            long t0 = System.nanoTime();
            try (FloatPlanes out = FloatPlanes.create(w, h, scratch)) {
                out.copyFrom(img);
                for (int r = 0; r < rounds; r++) KeepColors.apply(img, out);
            }
            double keepMs = (System.nanoTime() - t0) / 1e6 / rounds;
            System.out.printf("| %d×%d, %d steps, %s | %s | keep-colours pass alone: %.1f ms (once per dream) |%n",
                    w, h, steps, model.getFileName(), String.join(" / ", java.util.Arrays.stream(ms)
                            .mapToObj(v -> String.format("%.0f", v)).toList()), keepMs);
        }
    }
}
