package io.dreamscape.worker;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.imaging.ImageEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.time.Duration;

/**
 * The small picture of a shard's working image that the status page shows while it dreams: long side at most
 * {@link #SIDE}, box-filtered row by row from the memory-mapped planes (one row per channel and one output row of sums
 * in memory), JPEG in memory. Published at each octave end and, within a long octave, at most every
 * {@link #INTERVAL} ({@code DREAMSCAPE_PREVIEW_MINUTES} overrides it; 0 turns interim previews off).
 */
final class LivePreview {
    static final int SIDE = 1024;
    static final Duration INTERVAL = interval(System.getenv("DREAMSCAPE_PREVIEW_MINUTES"));

    private LivePreview() {
    }

    static Duration interval(String minutes) {
        if (minutes == null || minutes.isBlank()) return Duration.ofMinutes(10);
        try {
            return Duration.ofSeconds(Math.round(Double.parseDouble(minutes) * 60));
        } catch (NumberFormatException e) {
            return Duration.ofMinutes(10);
        }
    }

    static byte[] jpeg(FloatPlanes p) throws IOException {
        int w = p.width();
        int h = p.height();
        double s = Math.min(1.0, SIDE / (double) Math.max(w, h));
        int pw = Math.max(1, (int) Math.round(w * s));
        int ph = Math.max(1, (int) Math.round(h * s));
        BufferedImage out = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
        int[] column = new int[w];
        for (int x = 0; x < w; x++) column[x] = (int) ((long) x * pw / w);
        float[][] rows = {new float[w], new float[w], new float[w]};
        double[] sums = new double[3 * pw];
        int[] counts = new int[pw];
        int[] line = new int[pw];
        int current = 0;
        for (int y = 0; y <= h; y++) {
            int py = y == h ? ph : (int) ((long) y * ph / h);
            if (py != current) {
                for (int c = 0; c < pw; c++) {
                    int n = Math.max(1, counts[c]);
                    int r = ImagePlanes.quantize((float) (sums[3 * c] / n), 255f);
                    int g = ImagePlanes.quantize((float) (sums[3 * c + 1] / n), 255f);
                    int b = ImagePlanes.quantize((float) (sums[3 * c + 2] / n), 255f);
                    line[c] = r << 16 | g << 8 | b;
                }
                out.setRGB(0, current, pw, 1, line, 0, pw);
                java.util.Arrays.fill(sums, 0);
                java.util.Arrays.fill(counts, 0);
                current = py;
            }
            if (y == h) break;
            for (int c = 0; c < 3; c++) p.getRow(c, y, rows[c]);
            for (int x = 0; x < w; x++) {
                int c = column[x];
                sums[3 * c] += rows[0][x];
                sums[3 * c + 1] += rows[1][x];
                sums[3 * c + 2] += rows[2][x];
                counts[c]++;
            }
        }
        return ImageEncoder.jpegBytes(out, 0.8f);
    }
}

