package io.dreamscape.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.Edges;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Normalize;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Issue 14's extra time per step of {@code --normalize laplacian} against {@code mean}: whole dreams alternated in one
 * process (same machine load), streamed ("0") and resident ("4G", on the CPU) paths; then the normaliser pass alone
 * (no model) on mapped planes at larger sizes, and as tensor ops.
 * Usage: {@code LaplacianBenchmark MODEL.pt LAYER WIDTH HEIGHT STEPS ROUNDS [MEGAPIXELS...]}; prints markdown rows.
 */
public final class LaplacianBenchmark {
    public static void main(String[] a) throws Exception {
        String[] memory = {"0", "4G"};
        Normalize[] kinds = {Normalize.MEAN, Normalize.LAPLACIAN};
        double[][] ms = new double[2][2];
        Path scratch;
        try (BenchmarkHarness b = BenchmarkHarness.open(a, "laplacian-bench")) {
            scratch = b.scratch();
            int w = b.width();
            int h = b.height();
            for (int r = -1; r < b.rounds(); r++) { // round -1 warms up
                for (int m = 0; m < 2; m++) {
                    for (int k = 0; k < 2; k++) {
                        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model(b.model().toString()).layers(b.layers())
                                .octaves(1).steps(b.steps()).stepSize(1.5).jitter(32).tile(512).seed(3L)
                                .wrap(Wrap.NONE).deviceMemory(memory[m]).keepColors(false).normalize(kinds[k]).build()).validated();
                        double t = b.msPerStep(p, null);
                        if (r >= 0) ms[m][k] += t / b.rounds();
                    }
                }
            }
            // The TF tutorial adds step·lap_normalize(g) (bands of rms 1) on a 0..255 image; we rescale the merged
            // gradient to mean |·| = 1, as the mean normaliser. Their ratio: the mean |·| of lap_normalize(g) itself.
            float[] window = DreamEngineTest.flat(b.image());
            float[] grad = b.gradients().compute(window, w, h).gradient();
            try (FloatPlanes gp = FloatPlanes.create(w, h, scratch); ParallelRows pool = new ParallelRows(1);
                 LaplacianNormalizer lap = new LaplacianNormalizer(Edges.of(Wrap.NONE), scratch)) {
                float[] row = new float[w];
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < h; y++) {
                        System.arraycopy(grad, (c * h + y) * w, row, 0, w);
                        gp.putRow(c, y, row);
                    }
                System.out.printf("mean |lap_normalize(g)| of one whole-image gradient: %.3f%n",
                        lap.normalize(gp, pool) / (3.0 * w * h));
            }
            System.out.printf("| %d×%d, %d steps × %d rounds, %s %s | streamed: mean %.0f / laplacian %.0f ms per step"
                    + " | resident (CPU): mean %.0f / laplacian %.0f |%n", w, h, b.steps(), b.rounds(),
                    b.model().getFileName(), a[1], ms[0][0], ms[0][1], ms[1][0], ms[1][1]);
        }
        int workers = TorchRuntime.workers(Device.cpu());
        for (int i = 6; i < a.length; i++) {
            double mp = Double.parseDouble(a[i]);
            int pw = (int) Math.round(Math.sqrt(mp * 1e6 * 2));
            int ph = (int) Math.round(mp * 1e6 / pw);
            try (FloatPlanes grad = noise(pw, ph, scratch);
                 ParallelRows pool = new ParallelRows(workers);
                 LaplacianNormalizer lap = new LaplacianNormalizer(Edges.of(Wrap.NONE), scratch)) {
                lap.normalize(grad, pool); // warm-up (and the pyramid's planes mapped)
                long t0 = System.nanoTime();
                int n = 3;
                for (int k = 0; k < n; k++) lap.normalize(grad, pool);
                double streamed = (System.nanoTime() - t0) / 1e6 / n;
                double tensor = Double.NaN;
                if (mp <= 16) {
                    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                        NDArray t = m.create(DreamEngineTest.flat(grad), new Shape(3, ph, pw));
                        LaplacianTensors.normalize(t, Edges.of(Wrap.NONE)).close();
                        long t1 = System.nanoTime();
                        for (int k = 0; k < n; k++) LaplacianTensors.normalize(t, Edges.of(Wrap.NONE)).close();
                        tensor = (System.nanoTime() - t1) / 1e6 / n;
                    }
                }
                System.out.printf("| normaliser alone, %d×%d (%.1f MP), %d workers | mapped planes %.0f ms | tensor ops (CPU) %.0f ms |%n",
                        pw, ph, pw * (double) ph / 1e6, workers, streamed, tensor);
            }
        }
    }

    private static FloatPlanes noise(int w, int h, Path scratch) {
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        SplittableRandom r = new SplittableRandom(1);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) row[x] = (float) (1e-6 * r.nextGaussian());
                p.putRow(c, y, row);
            }
        return p;
    }
}
