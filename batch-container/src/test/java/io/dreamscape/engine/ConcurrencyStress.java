package io.dreamscape.engine;

import ai.djl.Device;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.ParameterOverrides;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stress reproducer for the SIGSEGVs inside libtorch_cpu seen in long CPU benchmarks (issue 13, notes
 * issue-13-crash.md). Not a unit test: a main class that hammers the engine's model path for a given time.
 *
 * <pre>java … io.dreamscape.engine.ConcurrencyStress MODEL.pt MODE SECONDS THREADS [MIN_SIDE MAX_SIDE]</pre>
 * <ul>
 * <li>{@code windows}: THREADS threads call {@link GradientStep#compute} on ONE shared step (one TorchScript module),
 * as {@code DREAMSCAPE_ENGINE_THREADS=N} and CPU "devices" of {@link DeviceQueue} do, on windows of random sizes
 * (MIN_SIDE..MAX_SIDE, from a fixed set of shapes). Every result is compared bit for bit with the same window's
 * gradient computed alone before the threads start: a race that corrupts numbers shows up as a mismatch even when
 * it does not crash.</li>
 * <li>{@code dream}: whole small dreams through {@link DreamEngine} (scratch planes mapped and unmapped, streamed
 * path) one after the other, image sizes drawn from MIN_SIDE..MAX_SIDE; the engine's own window threads are set with
 * {@code DREAMSCAPE_ENGINE_THREADS} as in production. Each size's first result is the reference for its repeats.</li>
 * <li>{@code scalar}: the lifetime of DJL's {@code NDArray.mul(Number)} operand (THREADS is ignored): {@code x.mul(2f)}
 * with {@code x} requiring a gradient, a GC in between, then backward; the gradient must be 2 everywhere. DJL makes
 * the 2 a tensor over a fresh direct buffer and closes it at once while autograd keeps it for the backward
 * ({@code MulBackward0} saves {@code other}): once the GC frees the buffer, backward reads freed memory. Run also
 * as {@code scalar-kept}: the operand is an array that lives until the backward (the engine's fix).</li>
 * </ul>
 * Prints calls, mismatches and the rate every 30 s; exits 0 when nothing mismatched, 1 otherwise (a crash kills it).
 */
public final class ConcurrencyStress {
    public static void main(String[] a) throws Exception {
        String mode = a[1];
        int[] n = Arrays.stream(a, 2, a.length).mapToInt(Integer::parseInt).toArray(); // SECONDS THREADS [MIN MAX]
        long seconds = n[0];
        int threads = n[1];
        int minSide = n.length > 2 ? n[2] : 64;
        int maxSide = n.length > 3 ? n[3] : 192;
        Path model = Path.of(a[0]);
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder().model(model.toString())
                .steps(2).tile(128).seed(1L).build()).validated();
        System.out.printf("mode %s, %d s, %d threads, sides %d..%d, engine threads %d, load %s%n", mode, seconds, threads,
                minSide, maxSide, TorchRuntime.workers(Device.cpu()), Files.readString(Path.of("/proc/loadavg")).trim());
        try (TorchScriptNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             GradientStep step = new GradientStep(net, LayerSelection.resolve(p, net.layers()), Device.cpu())) {
            if (mode.startsWith("scalar")) System.exit(scalar(seconds, mode.equals("scalar-kept")) == 0 ? 0 : 1);
            long bad = mode.equals("dream") ? dreams(step, p, seconds, minSide, maxSide)
                    : windows(step, seconds, threads, minSide, maxSide);
            System.out.println(bad == 0 ? "OK: no mismatch" : "FAILED: " + bad + " mismatches");
            System.exit(bad == 0 ? 0 : 1);
        }
    }

    private static long scalar(long seconds, boolean kept) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long runs = 0;
        long wrong = 0;
        float worst = 2f;
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(true);
        try (ai.djl.ndarray.NDManager root = TorchRuntime.engine().newBaseManager()) {
            while (System.nanoTime() < end) {
                try (ai.djl.ndarray.NDManager m = root.newSubManager()) {
                    ai.djl.ndarray.NDArray x = m.ones(new ai.djl.ndarray.types.Shape(64));
                    x.setRequiresGradient(true);
                    ai.djl.ndarray.NDArray two = kept ? m.create(2f) : null;
                    ai.djl.ndarray.NDArray y = kept ? x.mul(two) : x.mul(2f);
                    System.gc(); // the scalar's direct buffer is unreachable once mul returns: let the Cleaner free it
                    Thread.sleep(20);
                    java.nio.ByteBuffer[] reuse = new java.nio.ByteBuffer[64];
                    for (int i = 0; i < reuse.length; i++) {
                        reuse[i] = java.nio.ByteBuffer.allocateDirect(4).putFloat(0, 1e6f); // malloc reuses the chunk
                    }
                    ai.djl.ndarray.NDArray loss = y.sum();
                    ai.djl.pytorch.jni.JniUtils.backward((ai.djl.pytorch.engine.PtNDArray) loss,
                            (ai.djl.pytorch.engine.PtNDArray) loss.onesLike(), false, false);
                    float g = x.getGradient().toFloatArray()[0];
                    runs++;
                    if (g != 2f) {
                        wrong++;
                        worst = g;
                    }
                }
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
        System.out.printf("scalar operand %s: %d backwards, %d with a gradient other than 2 (last wrong value %s)%n",
                kept ? "kept alive" : "from mul(Number)", runs, wrong, worst);
        return wrong;
    }

    private record Shape(int w, int h, float[] input, float[] gradient) {
    }

    private static long windows(GradientStep step, long seconds, int threads, int minSide, int maxSide)
            throws InterruptedException {
        SplittableRandom r = new SplittableRandom(13);
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int w = r.nextInt(minSide, maxSide + 1);
            int h = r.nextInt(minSide, maxSide + 1);
            float[] x = new float[3 * w * h];
            for (int k = 0; k < x.length; k++) x[k] = (float) r.nextDouble();
            shapes.add(new Shape(w, h, x, step.compute(x, w, h).gradient()));
        }
        AtomicLong calls = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            SplittableRandom tr = new SplittableRandom(100 + t);
            Thread th = new Thread(() -> {
                while (System.nanoTime() < end) {
                    Shape s = shapes.get(tr.nextInt(shapes.size()));
                    float[] g = step.compute(s.input(), s.w(), s.h()).gradient();
                    if (!Arrays.equals(g, s.gradient())) mismatches.incrementAndGet();
                    calls.incrementAndGet();
                }
            }, "stress-" + t);
            ts.add(th);
            th.start();
        }
        report(ts, calls, mismatches, end);
        return mismatches.get();
    }

    private static long dreams(GradientStep step, DreamParameters p, long seconds, int minSide, int maxSide)
            throws Exception {
        Path scratch = Files.createTempDirectory("concurrency-stress");
        SplittableRandom r = new SplittableRandom(7);
        java.util.Map<String, float[]> reference = new java.util.HashMap<>();
        AtomicLong calls = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long nextReport = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            int w = r.nextInt(minSide, maxSide + 1) & ~7;
            int h = r.nextInt(minSide, maxSide + 1) & ~7;
            try (FloatPlanes in = FloatPlanes.create(w, h, scratch)) {
                SplittableRandom pr = new SplittableRandom(w * 31L + h);
                float[] row = new float[w];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) row[x] = (float) pr.nextDouble();
                        in.putRow(c, y, row);
                    }
                }
                try (FloatPlanes out = new DreamEngine(step, p, scratch).dream(in, new DreamListener() { })) {
                    float[] all = new float[3 * w * h];
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < h; y++) out.get(c, y, 0, all, (c * h + y) * w, w);
                    }
                    float[] ref = reference.putIfAbsent(w + "x" + h, all);
                    if (ref != null && !Arrays.equals(ref, all)) mismatches.incrementAndGet();
                }
            }
            calls.incrementAndGet();
            if (System.nanoTime() > nextReport) {
                nextReport += 30_000_000_000L;
                System.out.printf("  %d dreams (%d model calls), %d mismatches%n", calls.get(), step.calls(), mismatches.get());
            }
        }
        System.out.printf("done: %d dreams (%d model calls), %d mismatches%n", calls.get(), step.calls(), mismatches.get());
        return mismatches.get();
    }

    private static void report(List<Thread> ts, AtomicLong calls, AtomicLong mismatches, long end)
            throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            Thread.sleep(Math.max(1, Math.min(30_000, (end - System.nanoTime()) / 1_000_000)));
            System.out.printf("  %.0f s: %d calls, %d mismatches%n", (System.nanoTime() - start) / 1e9, calls.get(),
                    mismatches.get());
        }
        for (Thread t : ts) t.join();
        System.out.printf("done: %d calls, %d mismatches%n", calls.get(), mismatches.get());
    }
}
