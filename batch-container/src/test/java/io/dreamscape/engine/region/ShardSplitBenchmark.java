package io.dreamscape.engine.region;

import ai.djl.Device;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Shard;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Issue 11's measurements: border detail ratio and mean |Δ| against the unsplit dream, for K shards, the old way
 * (independent shards) and the split way with the base dreaming octaves {@code 0 … first-1}; wall times.
 *
 * <pre>java … ShardSplitBenchmark MODEL.pt IMAGE WIDTH HEIGHT STEPS TILE K[,K…] FIRST[,FIRST…] [OUT_DIR]</pre>
 * FIRST = -1 stands for "octaves − 1" (shards refine the last octave only), -2 for the last two, and so on.
 * K with an "s" suffix (e.g. {@code 9s}) measures the split only, not the independent shards. With
 * {@code -Dbench.whole=FILE.png} the unsplit result is read from that file (an earlier run's) instead of dreamt.
 */
public final class ShardSplitBenchmark {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        BufferedImage src = ImageIO.read(Path.of(a[1]).toFile());
        int width = Integer.parseInt(a[2]);
        int height = Integer.parseInt(a[3]);
        int steps = Integer.parseInt(a[4]);
        int tile = Integer.parseInt(a[5]);
        String[] ks = a[6].split(",");
        String[] firsts = a[7].split(",");
        Path out = a.length > 8 ? Path.of(a[8]) : null;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, width, height, null);
        g.dispose();
        Path scratch = Files.createTempDirectory("shardsplit-bench");
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model(model.toString()).steps(steps).tile(tile).seed(1L).build()).validated();
        int halo = Math.max(64, tile / 2 + p.jitter() + OctaveSizes.contextMargin(tile));
        int n = p.octaves();
        System.out.printf("image %d×%d, octaves %d, steps %d, tile %d, halo %d, load %s%n", width, height, n, steps, tile,
                halo, Files.readString(Path.of("/proc/loadavg")).trim());
        try (TorchScriptNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             GradientStep grads = new GradientStep(net, LayerSelection.resolve(p, net.layers()), Device.cpu());
             FloatPlanes input = TestImages.planes(img, scratch)) {
            SplitHarness h = new SplitHarness(grads, p, scratch);
            long t0 = System.nanoTime();
            String wholeFile = System.getProperty("bench.whole");
            FloatPlanes whole = wholeFile != null ? TestImages.planes(ImageIO.read(Path.of(wholeFile).toFile()), scratch)
                    : h.whole(input);
            double tw = (System.nanoTime() - t0) / 1e9;
            System.out.printf(wholeFile != null ? "unsplit: read from %s%n" : "unsplit: %.1f s%n",
                    wholeFile != null ? wholeFile : tw);
            if (out != null && wholeFile == null) write(whole, out.resolve("whole.png"));
            for (String kk : ks) {
                boolean splitOnly = kk.endsWith("s");
                int k = Integer.parseInt(splitOnly ? kk.substring(0, kk.length() - 1) : kk);
                int cols = (int) Math.max(1, Math.round(Math.sqrt(k * (double) width / height)));
                int rows = (int) Math.ceil(k / (double) cols);
                List<Shard> shards = SplitHarness.grid(width, height, cols, rows, halo);
                List<List<Integer>> b = SplitHarness.borders(shards, width, height);
                List<List<Integer>> b4 = SplitHarness.borders(SplitHarness.grid(width, height, 2, 2, halo), width, height);
                if (k == 1) {
                    BorderRatio r = BorderRatio.of(input, whole, b4.get(0), b4.get(1), halo);
                    System.out.printf("K=1 (unsplit; bands where K=4's borders would be): min %.3f mean %.3f%n", r.min(), r.mean());
                    continue;
                }
                t0 = System.nanoTime();
                if (!splitOnly) try (FloatPlanes old = h.independent(input, shards)) {
                    double t = (System.nanoTime() - t0) / 1e9;
                    BorderRatio r = BorderRatio.of(input, old, b.get(0), b.get(1), halo);
                    System.out.printf("K=%d %dx%d independent: ratio min %.3f mean %.3f, |Δ| vs unsplit %.2f, %.1f s in all, wall with %d GPUs %.1f s%n",
                            k, cols, rows, r.min(), r.mean(), BorderRatio.meanAbsDelta(old, whole), t, k, h.lastMaxShardSeconds);
                    if (out != null) write(old, out.resolve("k" + k + "-independent.png"));
                    long slowest = 0;
                    for (Shard s : shards) {
                        slowest = Math.max(slowest, OctaveSizes.totalWork(s.withHalo().width(), s.withHalo().height(), p));
                    }
                    System.out.printf("    work units: slowest shard %.2f of the whole (Amdahl: %.2f× faster)%n",
                            slowest / (double) OctaveSizes.totalWork(width, height, p),
                            OctaveSizes.totalWork(width, height, p) / (double) slowest);
                }
                for (String ff : firsts) {
                    int first = Integer.parseInt(ff);
                    if (first < 0) first = n + first;
                    t0 = System.nanoTime();
                    try (FloatPlanes split = h.split(input, shards, first)) {
                        double t = (System.nanoTime() - t0) / 1e9;
                        BorderRatio r = BorderRatio.of(input, split, b.get(0), b.get(1), halo);
                        System.out.printf("K=%d %dx%d split, base octaves %d: ratio min %.3f mean %.3f, |Δ| vs unsplit %.2f, %.1f s in all, wall with %d GPUs %.1f s (base %.1f + slowest shard %.1f)%n",
                                k, cols, rows, first, r.min(), r.mean(), BorderRatio.meanAbsDelta(split, whole), t, k,
                                h.lastBaseSeconds + h.lastMaxShardSeconds, h.lastBaseSeconds, h.lastMaxShardSeconds);
                        if (out != null) write(split, out.resolve("k" + k + "-split" + first + ".png"));
                        long whole0 = OctaveSizes.totalWork(width, height, p);
                        long base = OctaveSizes.workBefore(OctaveSizes.smallestFirst(width, height, n, p.octaveScale()),
                                p, first, 0);
                        long slowest = 0;
                        long all = base;
                        for (Shard s : shards) {
                            long wk = io.dreamscape.job.ShardOctaves.of(width, height, s.withHalo(), first, p).work(p);
                            slowest = Math.max(slowest, wk);
                            all += wk;
                        }
                        System.out.printf("    work units: whole %,d; base %,d + slowest shard %,d = %.2f of the whole "
                                + "(wall, Amdahl: %.2f× faster); all GPUs together %.2f of the whole%n", whole0, base,
                                slowest, (base + slowest) / (double) whole0, whole0 / (double) (base + slowest),
                                all / (double) whole0);
                    }
                }
            }
            whole.close();
        }
    }

    private static void write(FloatPlanes p, Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(ImagePlanes.toImage(p, false), "png", file.toFile());
    }
}
