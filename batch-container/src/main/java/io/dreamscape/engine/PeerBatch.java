package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.dreamscape.engine.tiles.Tile;
import java.util.List;

/**
 * One batch of a resident step run on a device other than device 0: the bounding box of its windows is copied from
 * the extended image on device 0 (not the whole image: each device receives about the rows it works on, so the
 * traffic per step is ≈ the other devices' share × (windows + cores) × 12 bytes, not (devices − 1) × the image), and
 * everything the batch made on that device is freed on close, once its cores have been copied back to device 0.
 */
final class PeerBatch implements AutoCloseable {
    private final NDManager manager;
    private final NDArray source;
    private final int y0;
    private final int x0;

    /** {@code padded} covers image rows from {@code paddedY0} and columns from {@code paddedX0}. */
    PeerBatch(NDArray padded, int paddedY0, int paddedX0, List<Tile> tiles, List<Integer> members, GradientStep step,
              DeviceTransfers transfers) {
        int ys = Integer.MAX_VALUE;
        int ye = Integer.MIN_VALUE;
        int xs = Integer.MAX_VALUE;
        int xe = Integer.MIN_VALUE;
        for (int i : members) {
            Tile t = tiles.get(i);
            ys = Math.min(ys, t.y().windowStart());
            ye = Math.max(ye, t.y().windowEnd());
            xs = Math.min(xs, t.x().windowStart());
            xe = Math.max(xe, t.x().windowEnd());
        }
        this.y0 = ys;
        this.x0 = xs;
        this.manager = step.newManager();
        NDArray box = padded.get(new NDIndex(":, {}:{}, {}:{}", ys - paddedY0, ye - paddedY0, xs - paddedX0, xe - paddedX0));
        this.source = transfers.toDevice(box, manager);
    }

    /** The batch's part of the extended image, on this batch's device. */
    NDArray source() {
        return source;
    }

    /** Image row of {@link #source}'s first row. */
    int y0() {
        return y0;
    }

    /** Image column of {@link #source}'s first column. */
    int x0() {
        return x0;
    }

    @Override
    public void close() {
        manager.close();
    }
}
