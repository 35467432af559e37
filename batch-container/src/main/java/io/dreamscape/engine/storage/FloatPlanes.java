package io.dreamscape.engine.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An RGB float image of any size kept in a memory-mapped scratch file, channel by channel (planar, like the
 * network's N×3×H×W input). The operating system pages it in and out, so the JVM's heap and native memory stay flat
 * whatever the image size: a 100-megapixel image costs 1.2 GB of disk, not of RAM. The file is deleted when closed.
 *
 * <p>Mapped in chunks of whole rows of at most 1 GiB each, because one MappedByteBuffer cannot exceed 2 GiB.
 */
public final class FloatPlanes implements AutoCloseable {
    private static final long CHUNK_BYTES = 1L << 30;

    private final int width;
    private final int height;
    private final int channels;
    private final int rowsPerChunk;
    private FloatBuffer[][] chunks; // [channel][chunk]; null once closed
    private final List<MappedByteBuffer> mappings = new ArrayList<>();
    private final Path file;

    private FloatPlanes(int width, int height, int channels, Path dir) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("empty image " + width + "×" + height);
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.rowsPerChunk = (int) Math.max(1, Math.min(height, CHUNK_BYTES / (4L * width)));
        int chunkCount = (height + rowsPerChunk - 1) / rowsPerChunk;
        long planeBytes = 4L * width * height;
        try {
            Files.createDirectories(dir);
            this.file = Files.createTempFile(dir, "dreamscape-", ".f32");
            this.chunks = new FloatBuffer[channels][chunkCount];
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.truncate(0);
                for (int c = 0; c < channels; c++) {
                    for (int k = 0; k < chunkCount; k++) {
                        int rows = Math.min(rowsPerChunk, height - k * rowsPerChunk);
                        long offset = c * planeBytes + 4L * width * k * rowsPerChunk;
                        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, offset, 4L * width * rows);
                        m.order(ByteOrder.nativeOrder());
                        mappings.add(m);
                        chunks[c][k] = m.asFloatBuffer();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create scratch storage for a " + width + "×" + height
                    + " image in " + dir + " (needs " + (channels * planeBytes >> 20) + " MiB of disk): " + e.getMessage(), e);
        }
    }

    /** A new zero-filled image in a scratch file under {@code dir}. */
    public static FloatPlanes create(int width, int height, Path dir) {
        return new FloatPlanes(width, height, 3, dir);
    }

    /** A new zero-filled single plane (channel 0 only: a mask, a weight map) in a scratch file under {@code dir}. */
    public static FloatPlanes createSingle(int width, int height, Path dir) {
        return new FloatPlanes(width, height, 1, dir);
    }

    /** 3 (RGB) or 1 ({@link #createSingle}). */
    public int channels() {
        return channels;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public long pixels() {
        return (long) width * height;
    }

    /** Copies {@code len} samples of channel {@code c}, row {@code y}, from column {@code x} into {@code dst[off..]}. */
    public void get(int c, int y, int x, float[] dst, int off, int len) {
        chunks[c][y / rowsPerChunk].get((y % rowsPerChunk) * width + x, dst, off, len);
    }

    public void put(int c, int y, int x, float[] src, int off, int len) {
        chunks[c][y / rowsPerChunk].put((y % rowsPerChunk) * width + x, src, off, len);
    }

    public float get(int c, int y, int x) {
        return chunks[c][y / rowsPerChunk].get((y % rowsPerChunk) * width + x);
    }

    public void getRow(int c, int y, float[] dst) {
        get(c, y, 0, dst, 0, width);
    }

    public void putRow(int c, int y, float[] src) {
        put(c, y, 0, src, 0, width);
    }

    /** Rows per mapped chunk: {@link #chunk} views never cross a chunk. */
    public int rowsPerChunk() {
        return rowsPerChunk;
    }

    /**
     * A view of rows {@code [y, y + rows)} of channel {@code c} (within one chunk, see {@link #rowsPerChunk}) for
     * bulk copies to and from the device without a heap copy; valid until {@link #close}.
     */
    public FloatBuffer chunk(int c, int y, int rows) {
        int k = y / rowsPerChunk;
        if ((y + rows - 1) / rowsPerChunk != k) throw new IllegalArgumentException("rows cross a chunk");
        return chunks[c][k].slice((y % rowsPerChunk) * width, rows * width);
    }

    /** Copies another image of the same size into this one. */
    public void copyFrom(FloatPlanes other) {
        if (other.width != width || other.height != height || other.channels != channels) {
            throw new IllegalArgumentException("size mismatch");
        }
        float[] row = new float[width];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                other.getRow(c, y, row);
                putRow(c, y, row);
            }
        }
    }

    @Override
    public void close() {
        if (chunks == null) return;
        chunks = null; // any later access fails with a NullPointerException rather than touching unmapped memory
        // Unmap now: a deleted file stays on disk while mapped, and the GC may not collect old buffers before the
        // run ends (over the octaves of a gigapixel image that is tens of GB of scratch). Falls back to the GC.
        for (MappedByteBuffer m : mappings) Unmapper.unmap(m);
        mappings.clear();
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: it lives in a temp folder
        }
    }
}
