package io.dreamscape.bench;

import ai.djl.Device;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * The engine's benchmark (a benchmark, not a test): throughput of one 512 tile and of a 4096² image, the engine's
 * overhead over pure forward+backward, and peak anonymous memory of the CLI for 25 and 100 MP JPEGs.
 * Run with {@code batch-container/benchmark [model.pt] [work-dir]}; prints a Markdown table for docs/benchmarks.md.
 */
public final class EngineBenchmark {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/mobilenet_v2_1.0_224_quant_dream.pt");
        Path work = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"), "dreamscape-bench");
        String only = System.getProperty("bench.only", "throughput,memory");
        Files.createDirectories(work);
        List<String> rows = new ArrayList<>();
        if (only.contains("throughput")) throughput(model, work, rows);
        if (only.contains("memory")) memory(model, work, rows);
        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        rows.forEach(System.out::println);
    }

    static void throughput(Path model, Path work, List<String> rows) throws Exception {
        try (DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu())) {
            DreamParameters base = DreamParameters.defaults().with(ParameterOverrides.builder()
                    .model(model.toString()).octaves(1).octaveScale(1.4).steps(20).stepSize(1.5).jitter(32)
                    .tile(512).seed(1L).wrap(io.dreamscape.job.Wrap.NONE).quality(95).maxPixels(1_000_000_000L)
                    .build()).validated();
            List<LayerWeight> layers = LayerSelection.resolve(base, net.layers());
            try (GradientStep warm = new GradientStep(net, layers, Device.cpu())) {
                float[] w = random(3 * 512 * 512);
                for (int i = 0; i < 8; i++) warm.compute(w, 512, 512); // JIT, allocator and TorchScript profiling-executor warm-up
            }
            // One tile: 480² + 32 px of jitter = one 512² window per step.
            double single = run(net, layers, base, 480, 480, work, rows, "single 512² tile (480² image + jitter)");
            DreamParameters big = base.with(ParameterOverrides.builder().steps(2).build());
            double large = run(net, layers, big, 4096, 4096, work, rows, "4096² image, 512 tiles");
            rows.add(String.format(Locale.ROOT, "| scaling efficiency 4096² vs one tile | %.2f |", large / single));
        }
    }

    static double run(DreamNetwork net, List<LayerWeight> layers, DreamParameters p, int w, int h, Path work,
                      List<String> rows, String label) throws Exception {
        try (GradientStep g = new GradientStep(net, layers, Device.cpu());
             FloatPlanes img = noise(w, h, work)) {
            long t0 = System.nanoTime();
            try (FloatPlanes out = new DreamEngine(g, p, work).dream(img, new DreamListener() { })) {
                long total = System.nanoTime() - t0;
                double mpSteps = (double) w * h * p.steps() / 1e6;
                double rate = mpSteps / (total / 1e9);
                double overhead = (double) total / g.computeNanos() - 1;
                rows.add(String.format(Locale.ROOT, "| %s: Mpx·steps/s | %.3f (%d steps, %.1f s, %d model calls) |",
                        label, rate, p.steps(), total / 1e9, g.calls()));
                rows.add(String.format(Locale.ROOT, "| %s: engine time over pure forward+backward | +%.1f %% |", label, 100 * overhead));
                System.err.println(rows.get(rows.size() - 2));
                System.err.println(rows.get(rows.size() - 1));
                return rate;
            }
        }
    }

    static void memory(Path model, Path work, List<String> rows) throws Exception {
        Path jar = Path.of("target/dreamscape.jar");
        if (!Files.exists(jar)) throw new IOException("build the CLI jar first (mvn -pl batch-container -am package)");
        for (int mp : new int[] {25, 100}) {
            int w = (int) Math.round(Math.sqrt(mp * 1e6 * 1.5));
            int h = (int) Math.round(mp * 1e6 / w);
            Path in = work.resolve("synthetic-" + mp + "mp.jpg");
            if (!Files.exists(in)) writeJpeg(in, w, h);
            Path out = work.resolve("synthetic-" + mp + "mp.dream.jpg");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:MaxRAMPercentage=50", "-jar", jar.toString(), "dream",
                    in.toString(), "-o", out.toString(), "--model", model.toString(), "--octaves", "2", "--steps", "1",
                    "--quiet", "--scratch", work.resolve("scratch").toString());
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            pb.redirectErrorStream(true).redirectOutput(work.resolve("cli-" + mp + ".log").toFile());
            long t0 = System.nanoTime();
            Process proc = pb.start();
            long peakAnon = 0;
            long peakRss = 0;
            while (proc.isAlive()) {
                long[] m = status(proc.pid());
                peakAnon = Math.max(peakAnon, m[0]);
                peakRss = Math.max(peakRss, m[1]);
                Thread.sleep(100);
            }
            if (proc.exitValue() != 0) throw new IOException("CLI failed, see " + work.resolve("cli-" + mp + ".log"));
            rows.add(String.format(Locale.ROOT, "| %d MP JPEG (%d×%d), 2 octaves × 1 step: peak anonymous RSS (heap + native) | %d MiB (total RSS incl. mapped pages %d MiB; %.0f s) |",
                    mp, w, h, peakAnon >> 10, peakRss >> 10, (System.nanoTime() - t0) / 1e9));
            System.err.println(rows.get(rows.size() - 1));
        }
    }

    /** RssAnon and VmRSS of a process, in KiB. */
    static long[] status(long pid) {
        long anon = 0;
        long rss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("RssAnon:")) anon = Long.parseLong(line.replaceAll("\\D", ""));
                if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended between isAlive and the read
        }
        return new long[] {anon, rss};
    }

    static void writeJpeg(Path file, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        SplittableRandom r = new SplittableRandom(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = 3 * (y * w + x);
                data[i] = (byte) ((x * 255L / w) + r.nextInt(16));
                data[i + 1] = (byte) ((y * 255L / h) + r.nextInt(16));
                data[i + 2] = (byte) (128 + 60 * Math.sin(x * 0.01 + y * 0.013));
            }
        }
        ImageIO.write(img, "jpeg", file.toFile());
    }

    static FloatPlanes noise(int w, int h, Path dir) {
        FloatPlanes p = FloatPlanes.create(w, h, dir);
        SplittableRandom r = new SplittableRandom(3);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) row[x] = (float) (0.5 + 0.2 * Math.sin(x * 0.05 + c) + 0.1 * r.nextDouble());
                p.putRow(c, y, row);
            }
        }
        return p;
    }

    static float[] random(int n) {
        SplittableRandom r = new SplittableRandom(5);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble();
        return a;
    }
}
