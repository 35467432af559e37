package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Issue 11: one image on 2 "devices" (two gradient steps on the CPU, one thread each) against 1, on both engine paths,
 * alternated in one process so both see the same machine load. Prints per path: ms per step for 1 and 2 devices,
 * mean and max |Δ| between their outputs, and the bytes that crossed between devices per step (resident path).
 * Usage: {@code MultiDeviceBenchmark MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS}.
 */
public final class MultiDeviceBenchmark {
    public static void main(String[] a) throws Exception {
        int tile = a.length > 6 ? Integer.parseInt(a[6]) : 256;
        System.out.println("load before: " + Files.readString(Path.of("/proc/loadavg")).trim());
        try (BenchmarkHarness b = BenchmarkHarness.open(a, "multidevice-bench");
             GradientStep g1 = new GradientStep(b.net(), b.layers(), Device.cpu())) {
            int w = b.width();
            int h = b.height();
            int steps = b.steps();
            int rounds = b.rounds();
            GradientStep g0 = b.gradients();
            for (String memory : new String[] {"0", "8G"}) {
                DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model(b.model().toString()).layers(b.layers()).octaves(1)
                        .steps(steps).stepSize(1.5).jitter(32).tile(tile).seed(3L).wrap(Wrap.NONE)
                        .deviceMemory(memory).build()).validated();
                double[] ms = new double[2];
                long peerBytes = 0;
                float[][] out = new float[2][];
                for (int r = -1; r < rounds; r++) { // round -1 warms up
                    for (int d = 0; d < 2; d++) {
                        List<GradientStep> devices = d == 0 ? List.of(g0) : List.of(g0, g1);
                        DreamEngine e = new DreamEngine(devices, p, b.scratch());
                        long t0 = System.nanoTime();
                        try (FloatPlanes o = e.dream(b.image(), new DreamListener() { })) {
                            double t = (System.nanoTime() - t0) / 1e6 / steps;
                            if (r >= 0) ms[d] += t / rounds;
                            out[d] = DreamEngineTest.flat(o);
                        }
                        if (d == 1) peerBytes = e.transfers().peerBytes() / steps;
                    }
                }
                double sum = 0;
                double max = 0;
                for (int i = 0; i < out[0].length; i++) {
                    double diff = Math.abs(out[0][i] - out[1][i]);
                    sum += diff;
                    max = Math.max(max, diff);
                }
                System.out.printf("| %s | %d×%d, tile %d, %d steps × %d rounds | %.0f | %.0f | %.2f | %.3g (max %.3g) | %s |%n",
                        memory.equals("0") ? "streamed" : "resident", w, h, tile, steps, rounds, ms[0], ms[1],
                        ms[0] / ms[1], sum / out[0].length, max,
                        memory.equals("0") ? "0 (windows go host→device as on one device)"
                                : String.format("%.2f MB (%.1f bytes per image pixel)", peerBytes / 1e6,
                                        peerBytes / (double) ((long) w * h)));
            }
        }
        System.out.println("load after: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }
}
