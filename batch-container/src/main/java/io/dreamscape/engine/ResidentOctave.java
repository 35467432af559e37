package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.tiles.AxisSpan;
import io.dreamscape.engine.tiles.EdgeMode;
import io.dreamscape.engine.tiles.Edges;
import io.dreamscape.engine.tiles.Tile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * One octave kept on the device as a {@code 3×H×W} tensor for all its steps. A step: the image is extended beyond
 * its borders once (mirror or wrap, as slices and flips), windows are slices of it, equal-shaped windows go through the
 * network in batches, the cores of their gradients are concatenated back into one gradient image, and the one global
 * normaliser and the clipped update are tensor operations. Only scalars (the normaliser's sum, the objectives) reach
 * the JVM during a step; image data crosses only through {@link DeviceTransfers}.
 *
 * <p>It computes the same numbers as the streamed path: the same windows, each gradient scaled by the same float
 * share, the same float update (verified by DreamEnginePathsTest).
 */
final class ResidentOctave implements AutoCloseable {
    private final DeviceQueue devices;
    private final DeviceTransfers transfers;
    private final Edges edges;
    private final int batch;
    private final ParallelRows pool;
    private final NDManager manager;
    private final int width;
    private final int height;
    private NDArray x;
    private boolean hostCurrent;
    private boolean laplacian;
    private Mask.Level mask;
    private NDArray maskOnDevice;

    ResidentOctave(GradientStep gradients, DeviceTransfers transfers, EdgeMode edges, int batch, ParallelRows pool,
                   FloatPlanes working) {
        this(gradients, transfers, Edges.both(edges), batch, pool, working);
    }

    ResidentOctave(GradientStep gradients, DeviceTransfers transfers, Edges edges, int batch, ParallelRows pool,
                   FloatPlanes working) {
        this(new DeviceQueue(java.util.List.of(gradients), pool.workers()), transfers, edges, batch, pool, working);
    }

    /** On several devices: the octave lives on device 0; batches of a step go to whichever device is free. */
    ResidentOctave(DeviceQueue devices, DeviceTransfers transfers, Edges edges, int batch, ParallelRows pool,
                   FloatPlanes working) {
        this.devices = devices;
        this.transfers = transfers;
        this.edges = edges;
        this.batch = Math.max(1, batch);
        this.pool = pool;
        this.manager = devices.first().newManager();
        this.width = working.width();
        this.height = working.height();
        this.x = transfers.upload(working, manager);
        this.hostCurrent = true;
    }

    /** Normalise each step's gradient per Laplacian band ({@link LaplacianTensors}) before the mean-|g| scaling. */
    void laplacian(boolean on) {
        this.laplacian = on;
    }

    /** One step; returns the pixel-weighted objective. {@code progress} gets cumulative window pixels done. */
    double step(List<Tile> tiles, float stepSize, LongConsumer progress) {
        long pixelSum = 0;
        for (Tile t : tiles) pixelSum += t.windowPixels();
        final long windowPixels = pixelSum;
        try (NDManager s = manager.newSubManager()) {
            x.attach(s); // the old image and every temporary of the step go when s closes
            int x0 = tiles.stream().mapToInt(t -> t.x().windowStart()).min().orElseThrow();
            int x1 = tiles.stream().mapToInt(t -> t.x().windowEnd()).max().orElseThrow();
            int y0 = tiles.stream().mapToInt(t -> t.y().windowStart()).min().orElseThrow();
            int y1 = tiles.stream().mapToInt(t -> t.y().windowEnd()).max().orElseThrow();
            NDArray padded = extend(extend(x, 2, x0, x1, width, edges.x()), 1, y0, y1, height, edges.y());

            // Equal-shaped windows batch together; batches run on the pool (CPU: one per core; GPU: one at a time).
            Map<Long, List<Integer>> byShape = new LinkedHashMap<>();
            for (int i = 0; i < tiles.size(); i++) {
                Tile t = tiles.get(i);
                byShape.computeIfAbsent(((long) t.y().windowLength() << 32) | t.x().windowLength(), k -> new ArrayList<>()).add(i);
            }
            List<List<Integer>> batches = new ArrayList<>();
            for (List<Integer> group : byShape.values()) {
                for (int i = 0; i < group.size(); i += batch) batches.add(group.subList(i, Math.min(group.size(), i + batch)));
            }
            NDArray[] cores = new NDArray[tiles.size()];
            double[] objectives = new double[tiles.size()];
            long seen = 0;
            for (int from = 0; from < batches.size(); from += pool.workers()) {
                List<List<Integer>> round = batches.subList(from, Math.min(batches.size(), from + pool.workers()));
                List<NDArray[]> results = pool.run(round.size(), b -> devices.call((d, step) -> {
                    List<Integer> members = round.get(b);
                    // Another device gets the batch's part of the extended image (PeerBatch), not all of it.
                    try (PeerBatch part = d == 0 ? null : new PeerBatch(padded, y0, x0, tiles, members, step, transfers)) {
                        NDArray src = part == null ? padded : part.source();
                        int oy = part == null ? y0 : part.y0();
                        int ox = part == null ? x0 : part.x0();
                        NDList windows = new NDList();
                        for (int i : members) {
                            Tile t = tiles.get(i);
                            windows.add(src.get(new NDIndex(":, {}:{}, {}:{}", t.y().windowStart() - oy, t.y().windowEnd() - oy,
                                    t.x().windowStart() - ox, t.x().windowEnd() - ox)));
                        }
                        GradientStep.Batch r = step.computeBatch(NDArrays.stack(windows, 0));
                        NDArray[] out = new NDArray[members.size()];
                        for (int j = 0; j < members.size(); j++) {
                            int i = members.get(j);
                            Tile t = tiles.get(i);
                            float share = (float) ((double) t.windowPixels() / windowPixels);
                            AxisSpan ax = t.x();
                            AxisSpan ay = t.y();
                            NDArray core = r.gradient().get(new NDIndex("{}, :, {}:{}, {}:{}", j,
                                    ay.coreStart() - ay.windowStart(), ay.coreEnd() - ay.windowStart(),
                                    ax.coreStart() - ax.windowStart(), ax.coreEnd() - ax.windowStart())).mul(share);
                            // Only the core comes back to device 0, where the gradient image is assembled.
                            out[j] = d == 0 ? core : transfers.toDevice(core, s);
                            objectives[i] = r.objectives()[j] * share;
                        }
                        return out;
                    }
                }));
                for (int b = 0; b < round.size(); b++) {
                    List<Integer> members = round.get(b);
                    for (int j = 0; j < members.size(); j++) {
                        cores[members.get(j)] = results.get(b)[j];
                        seen += tiles.get(members.get(j)).windowPixels();
                    }
                    progress.accept(seen);
                }
            }
            // Cores partition the covered range in grid order (rows of tiles, left to right): concatenating them gives
            // the gradient of the whole range, which is then cut (mirror) or rolled (wrap) back onto the image.
            NDList rows = new NDList();
            int perRow = 0;
            while (perRow < tiles.size() && tiles.get(perRow).y().equals(tiles.get(0).y())) perRow++;
            for (int r = 0; r < tiles.size(); r += perRow) {
                NDList row = new NDList();
                for (int i = r; i < r + perRow; i++) row.add(cores[i]);
                rows.add(row.size() == 1 ? row.get(0) : NDArrays.concat(row, 2));
            }
            NDArray range = rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 1);
            NDArray g = onImage(onImage(range, 2, tiles.get(0).x().coreStart(), width, edges.x()), 1,
                    tiles.get(0).y().coreStart(), height, edges.y());
            // float32 sum: libtorch sums in cascades, so the result stays within ~1e-7 of the streamed path's double sum
            // (a float64 copy of the gradient would cost one more pass over it).
            if (laplacian) g = LaplacianTensors.normalize(g, edges);
            if (maskOnDevice != null) g = g.muli(maskOnDevice); // in place: no second gradient-sized tensor
            double sumAbs = g.abs().sum().getFloat();
            double meanAbs = mask == null ? sumAbs / (3.0 * width * height) : mask.meanAbs(sumAbs);
            NDArray next = x;
            if (meanAbs > 0 && Double.isFinite(meanAbs)) {
                float factor = (float) (stepSize / 255.0 / meanAbs);
                // x + factor·g as two roundings, like the streamed path's Java loop (no fused multiply-add)
                next = g.muli(factor).addi(x).clip(0f, 1f);
            }
            next.attach(manager);
            x = next;
            hostCurrent = false;
            double objective = 0;
            for (double o : objectives) objective += o;
            return objective;
        }
    }

    /** Multiplies every step's gradient by {@code level} (uploaded once, kept on the device for the octave). */
    void mask(Mask.Level level) {
        this.mask = level;
        this.maskOnDevice = level.upload(transfers, manager);
    }

    /** The image in host storage {@code into} (one device→host copy unless nothing changed since the last). */
    void download(FloatPlanes into) {
        transfers.download(x, into);
        hostCurrent = true;
    }

    boolean hostCurrent() {
        return hostCurrent;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** {@code a} along {@code axis} over coordinates {@code [lo, hi)} of an axis of length {@code n}, made up per edges. */
    private static NDArray extend(NDArray a, int axis, int lo, int hi, int n, EdgeMode edges) {
        if (lo == 0 && hi == n) return a;
        NDList parts = new NDList();
        int p = lo;
        while (p < hi) {
            int src = edges.source(p, n);
            int len = 1;
            int dir = 0;
            if (p + 1 < hi) {
                int next = edges.source(p + 1, n);
                dir = next == src + 1 ? 1 : (next == src - 1 ? -1 : 0);
            }
            if (dir != 0) {
                while (p + len < hi && edges.source(p + len, n) == src + dir * len) len++;
            }
            int from = dir >= 0 ? src : src - len + 1;
            NDArray piece = slice(a, axis, from, from + len);
            parts.add(dir < 0 ? piece.flip(axis) : piece);
            p += len;
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis);
    }

    /** The part of a range gradient (range starting at coordinate {@code start}) that lands on {@code [0, n)}. */
    private static NDArray onImage(NDArray range, int axis, int start, int n, EdgeMode edges) {
        int a = -start; // the range begins a ≥ 0 pixels before the image
        if (edges == EdgeMode.WRAP && a > 0) {
            return NDArrays.concat(new NDList(slice(range, axis, a, n), slice(range, axis, 0, a)), axis);
        }
        return a == 0 && range.getShape().get(axis) == n ? range : slice(range, axis, a, a + n);
    }

    private static NDArray slice(NDArray a, int axis, int from, int to) {
        return axis == 1 ? a.get(new NDIndex(":, {}:{}", from, to)) : a.get(new NDIndex(":, :, {}:{}", from, to));
    }
}
