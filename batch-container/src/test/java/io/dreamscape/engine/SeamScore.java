package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import java.util.Arrays;

/**
 * The seam measure of issue 10: the dream detail {@code d = output − input} (mean of RGB), the per-column profile of
 * mean {@code |d[x+1] − d[x]|} (and the per-row profile likewise), 8 px at the borders ignored; score = max / median
 * of each profile. A visible straight line at a tile border is one column (row) whose detail jumps: a high score.
 */
public record SeamScore(double columns, double rows) {
    static final int BORDER = 8;

    public double worst() {
        return Math.max(columns, rows);
    }

    public static SeamScore of(FloatPlanes input, FloatPlanes output) {
        int w = input.width();
        int h = input.height();
        float[][] d = detail(input, output, 1f);
        double[] col = new double[w - 1 - 2 * BORDER];
        for (int y = BORDER; y < h - BORDER; y++) {
            for (int x = BORDER; x < w - 1 - BORDER; x++) col[x - BORDER] += Math.abs(d[y][x + 1] - d[y][x]);
        }
        double[] row = new double[h - 1 - 2 * BORDER];
        for (int y = BORDER; y < h - 1 - BORDER; y++) {
            for (int x = BORDER; x < w - BORDER; x++) row[y - BORDER] += Math.abs(d[y + 1][x] - d[y][x]);
        }
        return new SeamScore(maxOverMedian(col), maxOverMedian(row));
    }

    /** The dream detail {@code scale · (output − input)}, mean of RGB, as [y][x]. */
    public static float[][] detail(FloatPlanes input, FloatPlanes output, float scale) {
        int w = input.width();
        int h = input.height();
        float[][] d = new float[h][w];
        float[] a = new float[w];
        float[] b = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                input.getRow(c, y, a);
                output.getRow(c, y, b);
                for (int x = 0; x < w; x++) d[y][x] += scale * (b[x] - a[x]) / 3f;
            }
        }
        return d;
    }

    private static double maxOverMedian(double[] profile) {
        double[] s = profile.clone();
        Arrays.sort(s);
        double median = s[s.length / 2];
        return median > 0 ? s[s.length - 1] / median : Double.POSITIVE_INFINITY;
    }

    /** A smooth test image: a soft diagonal colour gradient with mild deterministic noise (the case). */
    public static FloatPlanes smoothFixture(int w, int h, java.nio.file.Path scratch) {
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double g = 0.25 + 0.5 * (x / (double) w) * (c == 0 ? 1 : 0.6) + 0.2 * (y / (double) h) * (c == 2 ? 1 : 0.5);
                    row[x] = (float) Math.max(0, Math.min(1, g + 0.03 * (rng.nextDouble() - 0.5)));
                }
                p.putRow(c, y, row);
            }
        }
        return p;
    }
}
