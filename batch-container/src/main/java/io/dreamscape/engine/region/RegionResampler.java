package io.dreamscape.engine.region;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.Rect;

/**
 * {@link io.dreamscape.engine.storage.Resampler}'s bilinear resampling (half-pixel centres, the same arithmetic in
 * the same order), computed for a rectangle of the destination from a rectangle of the source, both in the whole
 * image's coordinates at their octave. Inside the source rectangle the result is bit-identical to resampling the
 * whole image and cutting the rectangle out; a tap outside it is clamped to its edge (only the outermost pixels of a
 * shard's region, which its halo keeps away from the border).
 */
public final class RegionResampler {
    private RegionResampler() {
    }

    /**
     * {@code dst = plus + resize(src - minus)} over {@code dstRect} of a {@code dstW × dstH} octave, from
     * {@code srcRect} of a {@code srcW × srcH} octave. {@code minus} (same rectangle as {@code src}) and {@code plus}
     * (same rectangle as {@code dst}) may be null.
     */
    public static void transfer(FloatPlanes src, FloatPlanes minus, Rect srcRect, int srcW, int srcH,
                                FloatPlanes plus, FloatPlanes dst, Rect dstRect, int dstW, int dstH) {
        int sw = src.width();
        int dw = dst.width();
        int dh = dst.height();
        int[][] tx = taps(srcW, dstW, dstRect.x(), dw, srcRect.x(), sw);
        float[] wx = weights(srcW, dstW, dstRect.x(), dw);
        int[][] ty = taps(srcH, dstH, dstRect.y(), dh, srcRect.y(), src.height());
        float[] wyAll = weights(srcH, dstH, dstRect.y(), dh);
        float[] r0 = new float[sw];
        float[] r1 = new float[sw];
        float[] tmp = new float[sw];
        float[] out = new float[dw];
        float[] baseRow = new float[dw];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < dh; y++) {
                row(src, minus, c, ty[0][y], r0, tmp);
                row(src, minus, c, ty[1][y], r1, tmp);
                float wy = wyAll[y];
                for (int x = 0; x < dw; x++) {
                    int i0 = tx[0][x];
                    int i1 = tx[1][x];
                    float top = r0[i0] + (r0[i1] - r0[i0]) * wx[x];
                    float bot = r1[i0] + (r1[i1] - r1[i0]) * wx[x];
                    out[x] = top + (bot - top) * wy;
                }
                if (plus != null) {
                    plus.getRow(c, y, baseRow);
                    for (int x = 0; x < dw; x++) out[x] += baseRow[x];
                }
                dst.putRow(c, y, out);
            }
        }
    }

    private static void row(FloatPlanes of, FloatPlanes minus, int c, int y, float[] row, float[] tmp) {
        of.getRow(c, y, row);
        if (minus != null) {
            minus.getRow(c, y, tmp);
            for (int x = 0; x < row.length; x++) row[x] -= tmp[x];
        }
    }

    /** Local source indices {i0, i1} of each destination pixel {@code from … from+len-1}, clamped to the rectangle. */
    private static int[][] taps(int srcLen, int dstLen, int from, int len, int srcFrom, int srcLocalLen) {
        int[] i0 = new int[len];
        int[] i1 = new int[len];
        double scale = (double) srcLen / dstLen;
        for (int i = 0; i < len; i++) {
            double s = Math.max(0, (from + i + 0.5) * scale - 0.5);
            int a = Math.min((int) Math.floor(s), srcLen - 1);
            int b = Math.min(a + 1, srcLen - 1);
            i0[i] = clamp(a - srcFrom, srcLocalLen);
            i1[i] = clamp(b - srcFrom, srcLocalLen);
        }
        return new int[][] {i0, i1};
    }

    private static float[] weights(int srcLen, int dstLen, int from, int len) {
        float[] w = new float[len];
        double scale = (double) srcLen / dstLen;
        for (int i = 0; i < len; i++) {
            double s = Math.max(0, (from + i + 0.5) * scale - 0.5);
            int a = Math.min((int) Math.floor(s), srcLen - 1);
            w[i] = (float) (s - a);
        }
        return w;
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : Math.min(n - 1, i);
    }
}
