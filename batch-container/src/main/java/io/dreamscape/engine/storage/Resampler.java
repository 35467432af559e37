package io.dreamscape.engine.storage;

/**
 * Bilinear resampling between {@link FloatPlanes}, row by row (two source rows in memory at a time), with
 * half-pixel centres as in PyTorch's {@code interpolate(..., align_corners=False)}.
 */
public final class Resampler {
    private Resampler() {
    }

    /** Source coordinate taps of one axis: index i0, i1 and weight of i1 for each destination index. */
    record Taps(int[] i0, int[] i1, float[] w1) {
        static Taps of(int srcLen, int dstLen) {
            int[] i0 = new int[dstLen];
            int[] i1 = new int[dstLen];
            float[] w = new float[dstLen];
            double scale = (double) srcLen / dstLen;
            for (int d = 0; d < dstLen; d++) {
                double s = Math.max(0, (d + 0.5) * scale - 0.5);
                int a = Math.min((int) Math.floor(s), srcLen - 1);
                int b = Math.min(a + 1, srcLen - 1);
                i0[d] = a;
                i1[d] = b;
                w[d] = (float) (s - a);
            }
            return new Taps(i0, i1, w);
        }
    }

    /** {@code dst = resize(src)}. */
    public static void resize(FloatPlanes src, FloatPlanes dst) {
        transfer(src, null, null, dst);
    }

    /**
     * {@code dst = base + resize(detailOf - detailBase)}: carries the detail dreamed at one octave to the next one
     * without ever materialising the detail image (google/deepdream's {@code octave_base + detail}).
     * With {@code base == null} it is a plain resize of {@code detailOf} (and {@code detailBase} must be null).
     */
    public static void transfer(FloatPlanes detailOf, FloatPlanes detailBase, FloatPlanes base, FloatPlanes dst) {
        int sw = detailOf.width();
        int sh = detailOf.height();
        int dw = dst.width();
        int dh = dst.height();
        Taps tx = Taps.of(sw, dw);
        Taps ty = Taps.of(sh, dh);
        float[] r0 = new float[sw];
        float[] r1 = new float[sw];
        float[] tmp = new float[sw];
        float[] out = new float[dw];
        float[] baseRow = new float[dw];
        for (int c = 0; c < dst.channels(); c++) {
            int loaded0 = -1;
            int loaded1 = -1;
            for (int y = 0; y < dh; y++) {
                int a = ty.i0()[y];
                int b = ty.i1()[y];
                if (a != loaded0) {
                    if (a == loaded1) {
                        System.arraycopy(r1, 0, r0, 0, sw);
                    } else {
                        sourceRow(detailOf, detailBase, c, a, r0, tmp);
                    }
                    loaded0 = a;
                }
                if (b != loaded1 || loaded1 < 0) {
                    sourceRow(detailOf, detailBase, c, b, r1, tmp);
                    loaded1 = b;
                }
                float wy = ty.w1()[y];
                for (int x = 0; x < dw; x++) {
                    int i0 = tx.i0()[x];
                    int i1 = tx.i1()[x];
                    float wx = tx.w1()[x];
                    float top = r0[i0] + (r0[i1] - r0[i0]) * wx;
                    float bot = r1[i0] + (r1[i1] - r1[i0]) * wx;
                    out[x] = top + (bot - top) * wy;
                }
                if (base != null) {
                    base.getRow(c, y, baseRow);
                    for (int x = 0; x < dw; x++) out[x] += baseRow[x];
                }
                dst.putRow(c, y, out);
            }
        }
    }

    private static void sourceRow(FloatPlanes of, FloatPlanes minus, int c, int y, float[] row, float[] tmp) {
        of.getRow(c, y, row);
        if (minus != null) {
            minus.getRow(c, y, tmp);
            for (int x = 0; x < row.length; x++) row[x] -= tmp[x];
        }
    }
}
