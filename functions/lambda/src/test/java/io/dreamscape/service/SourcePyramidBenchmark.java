package io.dreamscape.service;

import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.stitch.DeepZoomWriter;
import io.dreamscape.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures the streamed source pyramid's heap and time on a large JPEG. Run by hand, not in CI (not a *Test class):
 *
 * <pre>
 * mvn -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * CP=functions/target/classes:functions/target/test-classes:$(cat functions/target/cp.txt)
 * java -Xmx2g -cp $CP io.dreamscape.service.SourcePyramidBenchmark gen 12000 9000 /tmp/big.jpg [orientation]
 * java -Xmx128m -cp $CP io.dreamscape.service.SourcePyramidBenchmark run /tmp/big.jpg /tmp/out
 * </pre>
 * {@code gen} writes a synthetic picture (whole on the heap: generation only); {@code run} writes its pyramid as
 * assembly does and prints the time, the number of decodes, the heap pools' peak and the process's peak RSS.
 */
public final class SourcePyramidBenchmark {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("gen")) {
            int w = Integer.parseInt(args[1]);
            int h = Integer.parseInt(args[2]);
            int o = args.length > 4 ? Integer.parseInt(args[4]) : 1;
            BufferedImage img = Fixtures.picture(w, h);
            byte[] jpeg = Fixtures.encode(img, "jpeg");
            img = null;
            Files.write(Path.of(args[3]), o == 1 ? jpeg : Fixtures.withExifOrientation(jpeg, o));
            return;
        }
        Path src = Path.of(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        ImageInfo info = RegionDecoder.probe(src, Long.MAX_VALUE);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        long t0 = System.nanoTime();
        DeepZoomWriter zoom = SourcePyramid.pyramid(src, info.orientedWidth(), info.orientedHeight(),
                dir.resolve("source.dzi"), SourcePyramid.STRIP_BYTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long heapPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) heapPeak += p.getPeakUsage().getUsed();
        }
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .findFirst().orElse("VmHWM: ?");
        System.out.printf("%d×%d (%.1f MP, orientation %d): %.1f s, %d tiles; heap pools peak (sum) %.0f MB; "
                        + "max heap %d MB; %s%n", info.orientedWidth(), info.orientedHeight(),
                info.pixels() / 1e6, info.orientation(), seconds, zoom.tilesWritten(), heapPeak / 1e6,
                Runtime.getRuntime().maxMemory() >> 20, hwm.replaceAll("\\s+", " "));
    }
}
