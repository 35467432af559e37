package io.dreamscape.bench;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.stitch.DeepZoomWriter;
import io.dreamscape.stitch.PngRowWriter;
import io.dreamscape.stitch.Stitcher;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Measures assembly's memory and time on a synthetic large job. Run by hand, not in CI (not a *Test class):
 *
 * <pre>
 * mvn -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx256m -cp functions/target/classes:functions/target/test-classes:$(cat functions/target/cp.txt) \
 *      io.dreamscape.bench.AssembleBenchmark 10000 8000 /tmp/bench [dzi]
 * </pre>
 * Prints the peak heap after GC (pool peaks), the process peak RSS (VmHWM) and the time per megapixel. With
 * {@code dzi} the stitched rows also feed a {@link DeepZoomWriter} (as assembly does), and its tiles are counted.
 */
public final class AssembleBenchmark {
    public static void main(String[] args) throws Exception {
        int w = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        Plan plan = new Planner(new PlannerConfig(1.5e7, 60, 64, 1.0, 0, null)).plan(JobId.random(),
                new Source("b", "uploads/bench.jpg", null, "e", 1), "JPEG", w, h, DreamParameters.defaults().withSeed(1),
                Instant.now());
        System.out.printf("%d×%d = %.1f MP, %d shards, halo %d%n", w, h, w * (double) h / 1e6, plan.shardCount(), plan.halo());
        long t0 = System.nanoTime();
        for (Shard s : plan.shards()) {
            Path f = dir.resolve(s.index() + ".png");
            if (Files.exists(f)) continue;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16);
                 PngRowWriter png = new PngRowWriter(out, s.halo().width(), s.halo().height())) {
                int[] row = new int[3 * s.halo().width()];
                long seed = 1234567L * (s.index() + 1);
                for (int y = s.halo().y(); y < s.halo().bottom(); y++) {
                    for (int x = s.halo().x(), i = 0; x < s.halo().right(); x++, i += 3) {
                        seed = seed * 6364136223846793005L + 1442695040888963407L;
                        int noise = (int) ((seed >>> 40) & 0xfff);
                        row[i] = (x * 65535 / w + noise) & 0xffff;
                        row[i + 1] = (y * 65535 / h + noise) & 0xffff;
                        row[i + 2] = (int) (32768 + 20000 * Math.sin((x + y) / 50.0)) + noise / 2;
                    }
                    png.writeRow(row);
                }
            }
        }
        System.out.printf("shards written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        long t1 = System.nanoTime();
        boolean dzi = args.length > 3 && args[3].equals("dzi");
        DeepZoomWriter zoom = dzi ? DeepZoomWriter.jpeg(w, h, dir.resolve("out.dream.dzi")) : null;
        Stitcher.Outputs o = Stitcher.stitch(w, h, plan.shards(), s -> Files.newInputStream(dir.resolve(s.index() + ".png")),
                95, null, dir.resolve("out.dream.jpg"), dir.resolve("out.preview.jpg"), dir.resolve("out.thumb.jpg"), 2048, 256,
                zoom == null ? null : zoom::addRow);
        if (zoom != null) {
            System.out.printf("deep zoom: %d tiles, complete %b%n", zoom.tilesWritten(), zoom.finished());
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        long heapPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) heapPeak += p.getPeakUsage().getUsed();
        }
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: ?");
        System.out.printf("stitched %d×%d in %.1f s (%.2f s/MP); output %.1f MB; preview %d×%d%n", o.width(), o.height(),
                seconds, seconds / (w * (double) h / 1e6), Files.size(dir.resolve("out.dream.jpg")) / 1e6,
                o.previewWidth(), o.previewHeight());
        System.out.printf("heap pools peak (sum) %.0f MB; max heap %d MB; %s%n", heapPeak / 1e6,
                Runtime.getRuntime().maxMemory() / (1 << 20), hwm.replaceAll("\\s+", " "));
    }
}
