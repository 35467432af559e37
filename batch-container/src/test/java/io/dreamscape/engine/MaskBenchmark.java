package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;

/**
 * Issue 14's extra time per step of {@code --mask} (a left-to-right ramp) against no mask, on the streamed path and
 * the resident one (CPU, {@code deviceMemory} 4G), the four runs alternating in one process so they see the same
 * machine load; and the mask's own pass alone (streamed: multiply the gradient in place and sum, per step) and its
 * one-off costs (pyramid of octave masks, black restored at the end).
 * Usage: {@code MaskBenchmark MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS}; prints a markdown row.
 */
public final class MaskBenchmark {
    public static void main(String[] a) throws Exception {
        String[] names = {"streamed", "streamed + mask", "resident", "resident + mask"};
        double[] ms = new double[names.length];
        try (BenchmarkHarness b = BenchmarkHarness.open(a, "mask-bench");
             FloatPlanes mask = ramp(b.width(), b.height(), b.scratch())) {
            int w = b.width();
            int h = b.height();
            for (int r = -1; r < b.rounds(); r++) { // round -1 warms up
                for (int i = 0; i < names.length; i++) {
                    boolean masked = i % 2 == 1;
                    DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model(b.model().toString()).layers(b.layers())
                            .octaves(1).steps(b.steps()).stepSize(1.5).jitter(32).tile(512).seed(3L)
                            .wrap(Wrap.NONE).deviceMemory(i < 2 ? "0" : "4G").keepColors(false)
                            .mask(masked ? "ramp" : null).build()).validated();
                    double t = b.msPerStep(p, masked ? mask : null);
                    if (r >= 0) ms[i] += t / b.rounds();
                }
            }
            // the streamed path's per-step pass alone, and the one-off costs
            double passMs;
            double pyramidMs;
            double blackMs;
            try (FloatPlanes grad = FloatPlanes.create(w, h, b.scratch());
                 ParallelRows pool = new ParallelRows(TorchRuntime.workers(Device.cpu()))) {
                grad.copyFrom(b.image());
                Mask.Level level = new Mask.Level(mask, w * (double) h / 2);
                long t0 = System.nanoTime();
                for (int r = 0; r < 5; r++) level.maskInPlace(grad, pool);
                passMs = (System.nanoTime() - t0) / 1e6 / 5;
                List<OctaveSizes.Size> sizes = OctaveSizes.smallestFirst(w, h, 4, 1.4);
                t0 = System.nanoTime();
                try (Mask pyramid = Mask.pyramid(mask, sizes, 0, b.scratch())) {
                    pyramidMs = (System.nanoTime() - t0) / 1e6;
                    t0 = System.nanoTime();
                    pyramid.keepBlack(b.image(), grad);
                    blackMs = (System.nanoTime() - t0) / 1e6;
                }
            }
            System.out.printf("| %d×%d, %d steps × %d rounds, %s | %s | %.1f ms | %.1f ms / %.1f ms |%n", w, h, b.steps(),
                    b.rounds(), b.model().getFileName(), String.join(" / ", java.util.Arrays.stream(ms)
                            .mapToObj(v -> String.format("%.0f", v)).toList()), passMs, pyramidMs, blackMs);
        }
    }

    /** A left-to-right ramp, 0 (black) in the first column to 1 in the last. */
    static FloatPlanes ramp(int w, int h, Path scratch) {
        FloatPlanes m = FloatPlanes.createSingle(w, h, scratch);
        float[] row = new float[w];
        for (int x = 0; x < w; x++) row[x] = (float) x / (w - 1);
        for (int y = 0; y < h; y++) m.putRow(0, y, row);
        return m;
    }
}
