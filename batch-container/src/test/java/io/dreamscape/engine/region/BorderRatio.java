package io.dreamscape.engine.region;

import io.dreamscape.engine.SeamScore;
import io.dreamscape.engine.storage.FloatPlanes;
import java.util.Arrays;
import java.util.List;

/**
 * Issue 11's border measure: the dream detail {@code d = output − input} (mean of RGB, 0–255 units); the mean
 * |horizontal difference| of d per column (for vertical shard borders) and per row (for horizontal ones); a border's
 * value is the mean over a band of ± {@code band} pixels around it, divided by the whole image's median column (row)
 * value. Two unrelated dreams averaged across a border have weaker detail there: a ratio below 1.
 */
public record BorderRatio(double min, double mean, int borders) {

    /** {@code columns}/{@code rows}: x of each vertical border, y of each horizontal border. */
    public static BorderRatio of(FloatPlanes input, FloatPlanes output, List<Integer> columns, List<Integer> rows, int band) {
        int w = input.width();
        int h = input.height();
        float[][] d = detail(input, output);
        double[] col = new double[w - 1];
        double[] row = new double[h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w - 1; x++) {
                double v = Math.abs(d[y][x + 1] - d[y][x]);
                col[x] += v / h;
                row[y] += v / (w - 1);
            }
        }
        double colMedian = median(col);
        double rowMedian = median(row);
        double min = Double.POSITIVE_INFINITY;
        double sum = 0;
        int n = 0;
        for (int b : columns) {
            double r = bandMean(col, b, band) / colMedian;
            min = Math.min(min, r);
            sum += r;
            n++;
        }
        for (int b : rows) {
            double r = bandMean(row, b, band) / rowMedian;
            min = Math.min(min, r);
            sum += r;
            n++;
        }
        return new BorderRatio(n == 0 ? Double.NaN : min, n == 0 ? Double.NaN : sum / n, n);
    }

    /** Mean |a − b| over all samples, in 0–255 units. */
    public static double meanAbsDelta(FloatPlanes a, FloatPlanes b) {
        float[] x = new float[a.width()];
        float[] y = new float[a.width()];
        double s = 0;
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < a.height(); r++) {
                a.getRow(c, r, x);
                b.getRow(c, r, y);
                for (int i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
            }
        }
        return 255.0 * s / (3.0 * a.pixels());
    }

    /** The dream detail in 8-bit units (SeamScore's, ×255). */
    static float[][] detail(FloatPlanes input, FloatPlanes output) {
        return SeamScore.detail(input, output, 255f);
    }

    private static double bandMean(double[] profile, int at, int band) {
        int from = Math.max(0, at - band);
        int to = Math.min(profile.length, at + band);
        double s = 0;
        for (int i = from; i < to; i++) s += profile[i];
        return s / Math.max(1, to - from);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
