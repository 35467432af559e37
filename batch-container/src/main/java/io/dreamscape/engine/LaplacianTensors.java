package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.Edges;

/**
 * {@link LaplacianNormalizer}'s pyramid as device tensor operations for the resident path: the same filters
 * ({@link Pyramid1D}) built from strided slices, so a step moves no image data to the host (the band statistics stay on
 * the device as 0-d tensors; their mean of squares is a float32 reduction, which libtorch sums in cascades: within
 * ~1e-7 of the streamed path's double sums). Temporaries are closed as soon as they are used (a
 * sub-manager per filter pass), so the peak stays near {@link #BYTES_PER_IMAGE_PIXEL} extra.
 */
final class LaplacianTensors {
    private LaplacianTensors() {
    }

    /**
     * Device bytes per image pixel the normaliser adds at its peak (float32, 3 channels): the finest band, the coarser
     * bands (+1/3), one upsampled level and the upsample's two half-size temporaries and their interleaving.
     */
    static final long BYTES_PER_IMAGE_PIXEL = 56;

    /** The Laplacian-normalised {@code g} (3×H×W; left as it is), attached to {@code g}'s manager. */
    static NDArray normalize(NDArray g, Edges edges) {
        NDManager parent = g.getManager();
        try (NDManager t = parent.newSubManager()) {
            g.tempAttach(t);
            int levels = Pyramid1D.depth((int) g.getShape().get(2), (int) g.getShape().get(1), LaplacianNormalizer.LEVELS);
            NDArray[] bands = new NDArray[levels + 1];
            NDArray cur = g;
            for (int l = 0; l < levels; l++) {
                NDArray across = down(cur, 2, edges.x());
                NDArray lo = down(across, 1, edges.y());
                across.close();
                NDArray u = up2d(lo, cur, edges);
                // band l = cur − up(lo): in place on every level but the caller's gradient
                bands[l] = l == 0 ? cur.sub(u) : cur.subi(u);
                u.close();
                cur = lo;
            }
            bands[levels] = cur;
            NDList rms = new NDList();
            for (NDArray b : bands) rms.add(b.square().mean().sqrt());
            NDArray all = NDArrays.stack(rms);
            NDArray floor = all.max().mul(Pyramid1D.RELATIVE_EPS).maximum(Float.MIN_NORMAL);
            NDArray inverse = all.maximum(floor).pow(-1);
            NDArray img = bands[levels].muli(inverse.get(levels));
            for (int l = levels - 1; l >= 0; l--) {
                NDArray u = up2d(img, bands[l], edges);
                img.close();
                img = bands[l].muli(inverse.get(l)).addi(u);
                u.close();
            }
            img.attach(parent);
            return img;
        }
    }

    private static NDArray up2d(NDArray lo, NDArray fine, Edges edges) {
        long h = fine.getShape().get(1);
        long w = fine.getShape().get(2);
        NDArray across = up(lo, 2, (int) w, edges.x());
        NDArray out = up(across, 1, (int) h, edges.y());
        across.close();
        return out;
    }

    /** Runs {@code op} on {@code a} with its temporaries in a sub-manager, closed at once; the result stays. */
    private static NDArray scoped(NDArray a, java.util.function.Function<NDArray, NDArray> op) {
        NDManager parent = a.getManager();
        try (NDManager t = parent.newSubManager()) {
            a.tempAttach(t);
            NDArray r = op.apply(a);
            r.attach(parent);
            return r;
        }
    }

    private static NDArray down(NDArray a, int axis, EdgeMode edges) {
        return scoped(a, x -> {
            int n = (int) x.getShape().get(axis);
            int m = Pyramid1D.half(n);
            NDArray p = pad(x, axis, 2, n, edges);
            // ((((K0·p0 + K1·p1) + K2·p2) + K1·p3) + K0·p4): Pyramid1D.down's order
            NDArray out = strided(p, axis, 0, m).mul(Pyramid1D.K0);
            float[] k = {Pyramid1D.K0, Pyramid1D.K1, Pyramid1D.K2, Pyramid1D.K1, Pyramid1D.K0};
            for (int t = 1; t < 5; t++) {
                NDArray term = strided(p, axis, t, m).mul(k[t]);
                out.addi(term);
                term.close();
            }
            return out;
        });
    }

    private static NDArray up(NDArray lo, int axis, int n, EdgeMode edges) {
        return scoped(lo, x -> {
            int m = (int) x.getShape().get(axis);
            NDArray p = pad(x, axis, 1, m, edges);
            NDArray before = slice(p, axis, 0, m);
            NDArray at = slice(p, axis, 1, m + 1);
            NDArray after = slice(p, axis, 2, m + 2);
            // (before + 6·at) + after, then /8 (a + b is exactly b + a in floats): Pyramid1D.up's values
            NDArray even = at.mul(6f).addi(before).addi(after).muli(0.125f);
            NDArray odd = at.add(after).muli(0.5f);
            NDArray both = NDArrays.stack(new NDList(even, odd), axis + 1);
            long[] shape = x.getShape().getShape().clone();
            shape[axis] = 2L * m;
            NDArray out = both.reshape(shape);
            return 2 * m == n ? out : slice(out, axis, 0, n);
        });
    }

    /** {@code a} with {@code k} samples made up beyond each end of {@code axis} (length n), per the edge mode. */
    private static NDArray pad(NDArray a, int axis, int k, int n, EdgeMode edges) {
        NDList parts = new NDList();
        for (int p = -k; p < 0; p++) {
            int s = edges.source(p, n);
            parts.add(slice(a, axis, s, s + 1));
        }
        parts.add(a);
        for (int p = n; p < n + k; p++) {
            int s = edges.source(p, n);
            parts.add(slice(a, axis, s, s + 1));
        }
        return NDArrays.concat(parts, axis);
    }

    /** Every second sample from {@code from}, {@code count} of them. */
    private static NDArray strided(NDArray a, int axis, int from, int count) {
        int to = from + 2 * (count - 1) + 1;
        return axis == 1 ? a.get(new NDIndex(":, {}:{}:2", from, to)) : a.get(new NDIndex(":, :, {}:{}:2", from, to));
    }

    private static NDArray slice(NDArray a, int axis, int from, int to) {
        return axis == 1 ? a.get(new NDIndex(":, {}:{}", from, to)) : a.get(new NDIndex(":, :, {}:{}", from, to));
    }
}
