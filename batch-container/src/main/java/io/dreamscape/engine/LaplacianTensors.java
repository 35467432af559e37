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
 * ~1e-7 of the streamed path's double sums). Temporaries live in a sub-manager closed before returning.
 */
final class LaplacianTensors {
    private LaplacianTensors() {
    }

    /** The Laplacian-normalised {@code g} (3×H×W), attached to {@code g}'s manager. */
    static NDArray normalize(NDArray g, Edges edges) {
        NDManager parent = g.getManager();
        try (NDManager t = parent.newSubManager()) {
            g.tempAttach(t);
            int levels = Pyramid1D.depth((int) g.getShape().get(2), (int) g.getShape().get(1), LaplacianNormalizer.LEVELS);
            NDArray[] bands = new NDArray[levels + 1];
            NDArray cur = g;
            for (int l = 0; l < levels; l++) {
                NDArray lo = down(down(cur, 2, edges.x()), 1, edges.y());
                bands[l] = cur.sub(up2d(lo, cur, edges));
                cur = lo;
            }
            bands[levels] = cur;
            NDList rms = new NDList();
            for (NDArray b : bands) rms.add(b.square().mean().sqrt());
            NDArray all = NDArrays.stack(rms);
            NDArray floor = all.max().mul(Pyramid1D.RELATIVE_EPS).maximum(Float.MIN_NORMAL);
            NDArray inverse = all.maximum(floor).pow(-1);
            NDArray img = bands[levels].mul(inverse.get(levels));
            for (int l = levels - 1; l >= 0; l--) {
                img = bands[l].mul(inverse.get(l)).add(up2d(img, bands[l], edges));
            }
            img.attach(parent);
            return img;
        }
    }

    private static NDArray up2d(NDArray lo, NDArray fine, Edges edges) {
        long h = fine.getShape().get(1);
        long w = fine.getShape().get(2);
        return up(up(lo, 2, (int) w, edges.x()), 1, (int) h, edges.y());
    }

    private static NDArray down(NDArray a, int axis, EdgeMode edges) {
        int n = (int) a.getShape().get(axis);
        int m = Pyramid1D.half(n);
        NDArray p = pad(a, axis, 2, n, edges);
        NDArray out = strided(p, axis, 0, m).mul(Pyramid1D.K0);
        out = out.add(strided(p, axis, 1, m).mul(Pyramid1D.K1));
        out = out.add(strided(p, axis, 2, m).mul(Pyramid1D.K2));
        out = out.add(strided(p, axis, 3, m).mul(Pyramid1D.K1));
        return out.add(strided(p, axis, 4, m).mul(Pyramid1D.K0));
    }

    private static NDArray up(NDArray lo, int axis, int n, EdgeMode edges) {
        int m = (int) lo.getShape().get(axis);
        NDArray p = pad(lo, axis, 1, m, edges);
        NDArray before = slice(p, axis, 0, m);
        NDArray at = slice(p, axis, 1, m + 1);
        NDArray after = slice(p, axis, 2, m + 2);
        NDArray even = before.add(at.mul(6f)).add(after).mul(0.125f);
        NDArray odd = at.add(after).mul(0.5f);
        NDArray both = NDArrays.stack(new NDList(even, odd), axis + 1);
        long[] shape = lo.getShape().getShape().clone();
        shape[axis] = 2L * m;
        NDArray out = both.reshape(shape);
        return 2 * m == n ? out : slice(out, axis, 0, n);
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
