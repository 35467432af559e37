package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.job.OctaveSizes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where the dream may paint: one plane in [0, 1] at the dreamed image's size (white = full strength, black =
 * untouched), resized to every octave the way the image's octave bases are (each from the next larger one).
 *
 * <p>Per step the gradient is multiplied by the octave's mask, and the normaliser is the mean |gradient| <em>per
 * painted pixel</em>, {@code Σ m·|g| / (3·Σ m)}: a step then moves the painted area by {@code stepSize} as an unmasked
 * dream would move it, whatever share of the image is painted (normalising over the whole image would make a small
 * painted area dream many times harder). Grey scales the step, so a grey area's detail grows more slowly.
 *
 * <p>At the end, {@link #keepBlack} sets every pixel under exact black back to the input: the detail carried up from
 * coarser octaves spreads, by their resampling, a few pixels into black areas next to painted ones; this makes black
 * exact without weakening grey a second time (a blend {@code in + m·(dream − in)} would, squaring grey's effect).
 */
final class Mask implements AutoCloseable {
    private final List<FloatPlanes> levels;
    private final FloatPlanes full;
    private final double[] sums;

    private Mask(List<FloatPlanes> levels, FloatPlanes full) {
        this.levels = levels;
        this.full = full;
        this.sums = new double[levels.size()];
        for (int k = 0; k < levels.size(); k++) sums[k] = levels.get(k) == null ? 0 : sum(levels.get(k));
    }

    /**
     * The mask at every octave from {@code first} on ({@code sizes} smallest first; the last is {@code full}'s size).
     * {@code full} stays the caller's; the smaller planes are this object's, in scratch files.
     */
    static Mask pyramid(FloatPlanes full, List<OctaveSizes.Size> sizes, int first, Path scratch) {
        int n = sizes.size();
        OctaveSizes.Size last = sizes.get(n - 1);
        if (full.channels() != 1 || full.width() != last.width() || full.height() != last.height()) {
            throw new IllegalArgumentException("the mask is " + full.width() + "×" + full.height() + "×" + full.channels()
                    + "; the engine needs one plane of the image's size " + last.width() + "×" + last.height());
        }
        List<FloatPlanes> levels = new ArrayList<>(Collections.nCopies(n, (FloatPlanes) null));
        levels.set(n - 1, full);
        try {
            for (int k = n - 2; k >= first; k--) {
                FloatPlanes p = FloatPlanes.createSingle(sizes.get(k).width(), sizes.get(k).height(), scratch);
                levels.set(k, p);
                Resampler.resize(levels.get(k + 1), p);
            }
        } catch (RuntimeException | Error e) {
            for (int k = 0; k < n - 1; k++) if (levels.get(k) != null) levels.get(k).close();
            throw e;
        }
        return new Mask(levels, full);
    }

    /** Octave {@code k}'s mask. */
    Level level(int k) {
        return new Level(levels.get(k), sums[k]);
    }

    /** One octave's mask and the sum of its values (the painted area in pixels). */
    record Level(FloatPlanes plane, double sum) {
        /** The normaliser from the sum of |masked gradient| over all three channels: per painted pixel. */
        double meanAbs(double maskedSumAbs) {
            return maskedSumAbs / (3.0 * sum);
        }

        /**
         * Streamed path: multiplies {@code grad} (3 channels, this level's size) by the mask in place, rows split
         * between the pool's workers, and returns the normaliser ({@link #meanAbs}); NaN when nothing is painted.
         */
        double maskInPlace(FloatPlanes grad, ParallelRows pool) {
            int W = grad.width();
            int H = grad.height();
            int bands = Math.min(pool.workers(), H);
            List<Double> parts = pool.run(bands, b -> {
                float[] m = new float[W];
                float[] g = new float[W];
                double abs = 0;
                int y0 = (int) ((long) H * b / bands);
                int y1 = (int) ((long) H * (b + 1) / bands);
                for (int y = y0; y < y1; y++) {
                    plane.getRow(0, y, m);
                    for (int c = 0; c < 3; c++) {
                        grad.getRow(c, y, g);
                        for (int i = 0; i < W; i++) {
                            float v = g[i] * m[i];
                            g[i] = v;
                            abs += Math.abs(v);
                        }
                        grad.putRow(c, y, g);
                    }
                }
                return abs;
            });
            double sumAbs = 0;
            for (double p : parts) sumAbs += p; // in band order: the same sum whichever band finished first
            return meanAbs(sumAbs);
        }

        /** Resident path: the mask as a {@code 1×H×W} tensor in {@code m} (broadcasts over the gradient's channels). */
        NDArray upload(DeviceTransfers transfers, NDManager m) {
            return transfers.upload(plane, m);
        }
    }

    /** Every pixel of {@code dream} where the full-size mask is exactly 0 becomes {@code input}'s again, row by row. */
    void keepBlack(FloatPlanes input, FloatPlanes dream) {
        int w = full.width();
        float[] m = new float[w];
        float[] in = new float[w];
        float[] out = new float[w];
        for (int y = 0; y < full.height(); y++) {
            full.getRow(0, y, m);
            boolean any = false;
            for (int x = 0; x < w && !any; x++) any = m[x] == 0f;
            if (!any) continue;
            for (int c = 0; c < 3; c++) {
                input.getRow(c, y, in);
                dream.getRow(c, y, out);
                for (int x = 0; x < w; x++) if (m[x] == 0f) out[x] = in[x];
                dream.putRow(c, y, out);
            }
        }
    }

    private static double sum(FloatPlanes p) {
        float[] row = new float[p.width()];
        double s = 0;
        for (int y = 0; y < p.height(); y++) {
            p.getRow(0, y, row);
            for (float v : row) s += v;
        }
        return s;
    }

    /** Closes octave {@code k}'s plane once its steps are done (not the full-size one, which is the caller's). */
    void release(int k) {
        if (k < levels.size() - 1 && levels.get(k) != null) {
            levels.get(k).close();
            levels.set(k, null);
        }
    }

    @Override
    public void close() {
        for (int k = 0; k < levels.size() - 1; k++) release(k);
    }
}
