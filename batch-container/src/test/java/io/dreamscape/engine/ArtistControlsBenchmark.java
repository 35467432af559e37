package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;

/**
 * Issue 14's extra time per step of {@code --wrap x}, {@code --wrap xy} and {@code --keep-colors} against neither,
 * run alternately in one process (so they see the same machine load), streamed path (CPU).
 * Usage: {@code ArtistControlsBenchmark MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS}; prints markdown rows.
 */
public final class ArtistControlsBenchmark {
    public static void main(String[] a) throws Exception {
        String[] names = {"none", "wrap x", "wrap xy", "keep-colors"};
        double[] ms = new double[names.length];
        try (BenchmarkHarness b = BenchmarkHarness.open(a, "artist-bench")) {
            int rounds = b.rounds();
            for (int r = -1; r < rounds; r++) { // round -1 warms up
                for (int i = 0; i < names.length; i++) {
                    Wrap wrap = i == 1 ? Wrap.X : i == 2 ? Wrap.XY : Wrap.NONE;
                    DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model(b.model().toString()).layers(b.layers())
                            .octaves(1).steps(b.steps()).stepSize(1.5).jitter(32).tile(512).seed(3L)
                            .wrap(wrap).deviceMemory("0").keepColors(i == 3).build()).validated();
                    double t = b.msPerStep(p, null);
                    if (r >= 0) ms[i] += t / rounds;
                }
            }
            long t0 = System.nanoTime();
            try (FloatPlanes out = FloatPlanes.create(b.width(), b.height(), b.scratch())) {
                out.copyFrom(b.image());
                for (int r = 0; r < rounds; r++) KeepColors.apply(b.image(), out);
            }
            double keepMs = (System.nanoTime() - t0) / 1e6 / rounds;
            System.out.printf("| %d×%d, %d steps, %s | %s | keep-colours pass alone: %.1f ms (once per dream) |%n",
                    b.width(), b.height(), b.steps(), b.model().getFileName(), String.join(" / ", java.util.Arrays.stream(ms)
                            .mapToObj(v -> String.format("%.0f", v)).toList()), keepMs);
        }
    }
}
