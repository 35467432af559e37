package io.dreamscape.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamscape.engine.storage.FloatPlanes;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one port through which image data moves between host storage and the device on the device-resident path:
 * whole images, at octave boundaries, checkpoints and the final write. It counts what it moves, so a test can prove
 * that a step moves nothing.
 */
public final class DeviceTransfers {
    private final AtomicLong uploads = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong peerCopies = new AtomicLong();
    private final AtomicLong peerBytes = new AtomicLong();

    /** The image as a {@code C×H×W} float tensor in {@code m} (C = its channels), copied chunk by chunk. */
    public NDArray upload(FloatPlanes img, NDManager m) {
        int w = img.width();
        int h = img.height();
        NDList channels = new NDList(img.channels());
        for (int c = 0; c < img.channels(); c++) {
            NDList pieces = new NDList();
            for (int y = 0; y < h; y += img.rowsPerChunk()) {
                int rows = Math.min(img.rowsPerChunk(), h - y);
                pieces.add(m.create(img.chunk(c, y, rows), new Shape(rows, w)));
            }
            channels.add(pieces.size() == 1 ? pieces.get(0) : NDArrays.concat(pieces, 0));
        }
        NDArray x = NDArrays.stack(channels, 0);
        channels.close();
        uploads.incrementAndGet();
        bytes.addAndGet(4L * img.channels() * w * h);
        return x;
    }

    /** Copies a {@code 3×H×W} tensor into {@code img} (same size). */
    public void download(NDArray x, FloatPlanes img) {
        int w = img.width();
        int h = img.height();
        if (x.getShape().get(1) != h || x.getShape().get(2) != w) throw new IllegalArgumentException("size mismatch");
        FloatBuffer all = x.toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y += img.rowsPerChunk()) {
                int rows = Math.min(img.rowsPerChunk(), h - y);
                img.chunk(c, y, rows).put(all.slice((int) ((long) c * h * w + (long) y * w), rows * w));
            }
        }
        downloads.incrementAndGet();
        bytes.addAndGet(12L * w * h);
    }

    /**
     * {@code a} copied into {@code m} on {@code m}'s device: the multi-device resident path's only image traffic
     * (each batch's part of the extended image to its device, its gradient cores back to device 0). Counted apart from
     * host traffic. On the CPU, where every "device" is the same memory, it is still a real copy, so the CPU test
     * exercises and times the same path.
     */
    public NDArray toDevice(NDArray a, NDManager m) {
        NDArray c = a.getDevice().equals(m.getDevice()) ? a.duplicate() : a.toDevice(m.getDevice(), true);
        c.attach(m);
        peerCopies.incrementAndGet();
        peerBytes.addAndGet(a.size() * a.getDataType().getNumOfBytes());
        return c;
    }

    /** Device-to-device copies made ({@link #toDevice}). */
    public long peerCopies() {
        return peerCopies.get();
    }

    /** Bytes copied between devices ({@link #toDevice}). */
    public long peerBytes() {
        return peerBytes.get();
    }

    public long uploads() {
        return uploads.get();
    }

    public long downloads() {
        return downloads.get();
    }

    public long bytes() {
        return bytes.get();
    }
}
