package io.dreamscape.worker;

import io.dreamscape.engine.storage.FloatPlanes;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Times one live preview ({@link LivePreview#jpeg}) of a working image of W×H held in memory-mapped planes, the cost
 * a worker pays at each octave end. Run by hand (not a *Test class):
 * <pre>
 * java -cp batch-container/target/classes:batch-container/target/test-classes:$(cat batch-container/target/cp.txt) \
 *      io.dreamscape.worker.LivePreviewBenchmark 6124 4082 /tmp/scratch
 * </pre>
 */
public final class LivePreviewBenchmark {
    public static void main(String[] args) throws Exception {
        int w = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        Path dir = Files.createDirectories(Path.of(args[2]));
        try (FloatPlanes p = FloatPlanes.create(w, h, dir)) {
            float[] row = new float[w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) row[x] = ((x * 31 + y * 17 + c * 101) % 256) / 255f;
                    p.putRow(c, y, row);
                }
            }
            for (int run = 0; run < 3; run++) {
                long t0 = System.nanoTime();
                byte[] jpeg = LivePreview.jpeg(p);
                System.out.printf("%d×%d (%.1f MP): preview %d bytes in %.2f s%n", w, h, w * (double) h / 1e6, jpeg.length,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
