package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Issue 14's extra time per step of channels ({@code LAYER#c1,c2}) and of a guide image against neither, run
 * alternately in one process (so they see the same machine load), streamed path (CPU), 1 octave, tile 512. Also the
 * one-off cost of the guide's features (decode, scale, one forward pass) per run.
 * Usage: {@code GuideChannelsBenchmark MODEL.pt LAYER GUIDE.jpg WIDTH HEIGHT STEPS ROUNDS}; prints a markdown row.
 */
public final class GuideChannelsBenchmark {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        String layer = a[1];
        Path guideFile = Path.of(a[2]);
        int w = Integer.parseInt(a[3]);
        int h = Integer.parseInt(a[4]);
        int steps = Integer.parseInt(a[5]);
        int rounds = Integer.parseInt(a[6]);
        Path scratch = Files.createTempDirectory("guide-bench");
        String[] names = {"none", "channels #0,1", "guide"};
        double[] ms = new double[names.length];
        DreamParameters p = DreamParameters.defaults().with(ParameterJson.parse("{\"octaves\": 1, \"steps\": " + steps
                + ", \"jitter\": 32, \"tile\": 512, \"deviceMemory\": \"0\"}")).validated().withSeed(3);
        double guideMs;
        try (DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             FloatPlanes img = SeamScore.smoothFixture(w, h, scratch)) {
            List<LayerWeight> plain = List.of(new LayerWeight(layer, 1.0));
            try (GradientStep none = new GradientStep(net, plain, Device.cpu());
                 GradientStep channels = new GradientStep(net, List.of(LayerWeight.parse(layer + "#0,1")), Device.cpu())) {
                none.compute(new float[3 * 64 * 64], 64, 64); // libtorch's first-call costs are not the guide's
                long g0 = System.nanoTime();
                GuideImage guide = GuideImage.load(guideFile, p.tile(), scratch);
                GradientStep guided = new GradientStep(net, plain, Device.cpu(), guide);
                guideMs = (System.nanoTime() - g0) / 1e6;
                GradientStep[] steps3 = {none, channels, guided};
                for (int r = -1; r < rounds; r++) { // round -1 warms up
                    for (int i = 0; i < names.length; i++) {
                        long t0 = System.nanoTime();
                        try (FloatPlanes out = new DreamEngine(steps3[i], p, scratch).dream(img, new DreamListener() { })) {
                            if (r >= 0) ms[i] += (System.nanoTime() - t0) / 1e6 / steps / rounds;
                        }
                    }
                }
                System.out.printf("| %d×%d, %d steps × %d rounds, %s `%s`, guide %s (%d×%d) | %s | guide features once per run: %.0f ms |%n",
                        w, h, steps, rounds, model.getFileName(), layer, guideFile.getFileName(), guide.width(), guide.height(),
                        String.join(" / ", java.util.Arrays.stream(ms).mapToObj(v -> String.format("%.0f", v)).toList()),
                        guideMs);
                guided.close();
            }
        }
    }
}
