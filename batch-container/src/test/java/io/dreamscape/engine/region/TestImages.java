package io.dreamscape.engine.region;

import io.dreamscape.engine.storage.FloatPlanes;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/** Test pictures as float planes. */
final class TestImages {
    private TestImages() {
    }

    static FloatPlanes planes(BufferedImage img, Path scratch) {
        int w = img.getWidth();
        int h = img.getHeight();
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        float[][] rows = new float[3][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                rows[0][x] = ((rgb >> 16) & 0xff) / 255f;
                rows[1][x] = ((rgb >> 8) & 0xff) / 255f;
                rows[2][x] = (rgb & 0xff) / 255f;
            }
            for (int c = 0; c < 3; c++) p.putRow(c, y, rows[c]);
        }
        return p;
    }

    /**
     * A deterministic picture with structure at several scales (soft shapes, stripes, fine noise): something for a
     * network to dream on, generated so the test needs no file.
     */
    static BufferedImage fixture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = x / (double) w;
                double v = y / (double) h;
                double r = 0.5 + 0.25 * Math.sin(9 * u + 4 * v) + 0.1 * Math.sin(x / 5.0) * Math.cos(y / 7.0);
                double gr = 0.45 + 0.3 * Math.cos(7 * v - 3 * u) * Math.sin(5 * u);
                double b = 0.4 + 0.3 * Math.sin(13 * Math.hypot(u - 0.4, v - 0.6));
                double noise = (rng.nextDouble() - 0.5) * 0.08;
                img.setRGB(x, y, to8(r + noise) << 16 | to8(gr + noise) << 8 | to8(b + noise));
            }
        }
        return img;
    }

    private static int to8(double v) {
        return (int) Math.round(255 * Math.max(0, Math.min(1, v)));
    }
}
