package io.dreamscape.engine;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.Edges;
import java.nio.file.Path;
import java.util.List;

/**
 * The TensorFlow DeepDream tutorial's {@code lap_normalize} on the streamed path: the step's whole-image gradient is
 * split into a Laplacian pyramid of {@link #LEVELS} detail bands and a low-pass residual, every band (and the residual)
 * is divided by its root-mean-square over the whole image (all three channels, as {@code normalize_std}), and the
 * pyramid is merged back. Statistics are whole-image (whole-shard) sums in the same step, never per tile.
 *
 * <p>The filters ({@link Pyramid1D}): the 5-tap binomial kernel [1,4,6,4,1]/16, applied separably; a level's
 * downsample keeps every second sample (centred on even samples, size {@code ceil(n/2)}); the upsample is the
 * transposed filter ×2 per axis (×4 in 2-D, as the tutorial's {@code conv2d_transpose(k5x5 * 4)}). Where the tutorial
 * pads with zeros, pixels beyond the border come from the engine's {@link Edges} (mirrored, or wrapped per axis with
 * {@code --wrap}), so a panorama's bands do not darken at its join.
 *
 * <p>Row-streamed over mapped storage: the gradient's own planes hold the finest band and the merged result (in place);
 * the coarser levels are scratch {@link FloatPlanes} (+1/3 of the gradient), kept for the octave; on the heap only a
 * few rows per worker.
 */
final class LaplacianNormalizer implements AutoCloseable {
    /** The tutorial's scale_n: detail bands (fewer only for images of a few pixels, see {@link Pyramid1D#depth}). */
    static final int LEVELS = 4;

    private final Edges edges;
    private final Path scratch;
    private FloatPlanes[] levels; // levels[1..LEVELS] for the current gradient size

    LaplacianNormalizer(Edges edges, Path scratch) {
        this.edges = edges;
        this.scratch = scratch;
    }

    /** Replaces {@code grad} by its Laplacian-normalised version and returns the sum of |result| over all samples. */
    double normalize(FloatPlanes grad, ParallelRows pool) {
        FloatPlanes[] lv = levels(grad);
        int depth = lv.length - 1;
        double[] squares = new double[depth + 1];
        for (int l = 0; l < depth; l++) {
            down(lv[l], lv[l + 1], pool);
            squares[l] = subtractUp(lv[l], lv[l + 1], pool); // lv[l] becomes band l
        }
        squares[depth] = sumSquares(lv[depth], pool);
        double[] rms = new double[depth + 1];
        double strongest = 0;
        for (int l = 0; l <= depth; l++) {
            rms[l] = Pyramid1D.rms(squares[l], 3.0 * lv[l].width() * lv[l].height());
            strongest = Math.max(strongest, rms[l]);
        }
        float[] scale = new float[depth + 1];
        for (int l = 0; l <= depth; l++) scale[l] = (float) (1.0 / Math.max(rms[l], Pyramid1D.floor(strongest)));
        scaleInPlace(lv[depth], scale[depth], pool);
        double sumAbs = 0;
        for (int l = depth - 1; l >= 0; l--) sumAbs = addUp(lv[l], scale[l], lv[l + 1], pool);
        return sumAbs;
    }

    private FloatPlanes[] levels(FloatPlanes grad) {
        if (levels == null || levels[0].width() != grad.width() || levels[0].height() != grad.height()) {
            close();
            int w = grad.width();
            int h = grad.height();
            FloatPlanes[] lv = new FloatPlanes[Pyramid1D.depth(w, h, LEVELS) + 1];
            lv[0] = grad;
            for (int l = 1; l < lv.length; l++) {
                w = Pyramid1D.half(w);
                h = Pyramid1D.half(h);
                lv[l] = FloatPlanes.create(w, h, scratch);
            }
            levels = lv;
        }
        levels[0] = grad;
        return levels;
    }

    /** {@code dst} = the low-pass, downsampled {@code src}: per output row, five horizontally filtered source rows. */
    private void down(FloatPlanes src, FloatPlanes dst, ParallelRows pool) {
        int n = src.width();
        int m = dst.width();
        EdgeMode ex = edges.x();
        EdgeMode ey = edges.y();
        bands(dst.height(), pool, (y0, y1) -> {
            float[] row = new float[n];
            float[] ext = new float[n + 4];
            RowCache cache = new RowCache(8, m);
            float[] out = new float[m];
            for (int c = 0; c < 3; c++) {
                cache.clear();
                for (int j = y0; j < y1; j++) {
                    float[][] r = new float[5][];
                    for (int t = 0; t < 5; t++) {
                        int sy = ey.source(2 * j + t - 2, src.height());
                        int channel = c;
                        r[t] = cache.get(sy, into -> {
                            src.getRow(channel, sy, row);
                            Pyramid1D.down(row, ext, into, ex);
                        });
                    }
                    for (int i = 0; i < m; i++) {
                        out[i] = Pyramid1D.K0 * r[0][i] + Pyramid1D.K1 * r[1][i] + Pyramid1D.K2 * r[2][i]
                                + Pyramid1D.K1 * r[3][i] + Pyramid1D.K0 * r[4][i];
                    }
                    dst.putRow(c, j, out);
                }
            }
            return 0.0;
        });
    }

    /** {@code fine} −= the upsampled {@code coarse}, in place; returns the sum of squares of the band left. */
    private double subtractUp(FloatPlanes fine, FloatPlanes coarse, ParallelRows pool) {
        return upInto(fine, 1f, -1f, coarse, pool, true);
    }

    /** {@code fine} = upsampled {@code coarse} + scale·{@code fine}, in place; returns the sum of |result|. */
    private double addUp(FloatPlanes fine, float scale, FloatPlanes coarse, ParallelRows pool) {
        return upInto(fine, scale, 1f, coarse, pool, false);
    }

    /** {@code fine = a·fine + b·up(coarse)} row by row; returns Σ result² ({@code squares}) or Σ |result|. */
    private double upInto(FloatPlanes fine, float a, float b, FloatPlanes coarse, ParallelRows pool, boolean squares) {
        int n = fine.width();
        int m = coarse.width();
        EdgeMode ex = edges.x();
        EdgeMode ey = edges.y();
        return bands(fine.height(), pool, (y0, y1) -> {
            float[] row = new float[m];
            float[] ext = new float[m + 2];
            float[] up = new float[n];
            float[] f = new float[n];
            RowCache cache = new RowCache(5, n);
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                cache.clear();
                for (int i = y0; i < y1; i++) {
                    int j = i >> 1;
                    int channel = c;
                    float[][] r = new float[3][];
                    for (int t = 0; t < 3; t++) {
                        int sy = ey.source(j + t - 1, coarse.height());
                        r[t] = cache.get(sy, into -> {
                            coarse.getRow(channel, sy, row);
                            Pyramid1D.up(row, ext, into, ex);
                        });
                    }
                    Pyramid1D.combineUp(r[0], r[1], r[2], (i & 1) == 1, up);
                    fine.getRow(c, i, f);
                    double s = 0;
                    for (int x = 0; x < n; x++) {
                        float v = a * f[x] + b * up[x];
                        f[x] = v;
                        s += squares ? (double) v * v : Math.abs(v);
                    }
                    sum += s;
                    fine.putRow(c, i, f);
                }
            }
            return sum;
        });
    }

    private static double sumSquares(FloatPlanes p, ParallelRows pool) {
        return bands(p.height(), pool, (y0, y1) -> {
            float[] f = new float[p.width()];
            double s = 0;
            for (int c = 0; c < 3; c++) {
                for (int y = y0; y < y1; y++) {
                    p.getRow(c, y, f);
                    for (float v : f) s += (double) v * v;
                }
            }
            return s;
        });
    }

    private static void scaleInPlace(FloatPlanes p, float scale, ParallelRows pool) {
        bands(p.height(), pool, (y0, y1) -> {
            float[] f = new float[p.width()];
            for (int c = 0; c < 3; c++) {
                for (int y = y0; y < y1; y++) {
                    p.getRow(c, y, f);
                    for (int x = 0; x < f.length; x++) f[x] *= scale;
                    p.putRow(c, y, f);
                }
            }
            return 0.0;
        });
    }

    private interface Band {
        double rows(int y0, int y1);
    }

    /** Splits rows {@code [0, h)} into one band per worker; the bands' sums are added in band order (deterministic). */
    private static double bands(int h, ParallelRows pool, Band task) {
        int n = Math.min(pool.workers(), h);
        List<Double> parts = pool.run(n, b -> task.rows((int) ((long) h * b / n), (int) ((long) h * (b + 1) / n)));
        double sum = 0;
        for (double p : parts) sum += p;
        return sum;
    }

    /** The last few filtered rows, by source row index (consecutive output rows share most of theirs). */
    private static final class RowCache {
        private final int[] keys;
        private final float[][] rows;
        private int next;

        RowCache(int size, int width) {
            keys = new int[size];
            rows = new float[size][width];
            clear();
        }

        void clear() {
            java.util.Arrays.fill(keys, -1);
        }

        float[] get(int key, java.util.function.Consumer<float[]> fill) {
            for (int k = 0; k < keys.length; k++) if (keys[k] == key) return rows[k];
            int slot = next;
            next = (next + 1) % keys.length;
            keys[slot] = key;
            fill.accept(rows[slot]);
            return rows[slot];
        }
    }

    @Override
    public void close() {
        if (levels != null) {
            for (int l = 1; l < levels.length; l++) levels[l].close();
            levels = null;
        }
    }
}
