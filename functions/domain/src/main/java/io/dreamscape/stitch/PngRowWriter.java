package io.dreamscape.stitch;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes a 16-bit RGB PNG (the shard result format, see {@link io.dreamscape.job.Shard}) one row at a time with
 * bounded memory, so a worker can stream its dreamed halo rectangle out. Rows use the Sub filter.
 */
public final class PngRowWriter implements AutoCloseable {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final int CHUNK = 1 << 16;

    private final DataOutputStream out;
    private final int width;
    private final int height;
    private final Deflater deflater = new Deflater(6);
    private final DeflaterOutputStream deflate;
    private final byte[] row;
    private int rows;

    public PngRowWriter(OutputStream target, int width, int height) throws IOException {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("invalid PNG size " + width + "×" + height);
        }
        this.out = new DataOutputStream(target);
        this.width = width;
        this.height = height;
        this.row = new byte[1 + width * 6];
        out.write(SIGNATURE);
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.writeByte(16);
        h.writeByte(2);
        h.writeByte(0);
        h.writeByte(0);
        h.writeByte(0);
        chunk("IHDR", ihdr.toByteArray(), ihdr.size());
        deflate = new DeflaterOutputStream(new IdatSink(), deflater, CHUNK);
    }

    /** Writes the next row: {@code rgb} holds R,G,B per pixel, 0-65535 (clamped). */
    public void writeRow(int[] rgb) throws IOException {
        if (rows >= height) {
            throw new IllegalStateException("all " + height + " rows are written");
        }
        row[0] = 1; // Sub
        int prevR = 0;
        int prevG = 0;
        int prevB = 0;
        for (int x = 0, i = 1; x < width; x++) {
            int r = clamp(rgb[3 * x]);
            int g = clamp(rgb[3 * x + 1]);
            int b = clamp(rgb[3 * x + 2]);
            i = put(i, r, prevR);
            i = put(i, g, prevG);
            i = put(i, b, prevB);
            prevR = r;
            prevG = g;
            prevB = b;
        }
        deflate.write(row);
        rows++;
    }

    private int put(int i, int v, int prev) {
        row[i] = (byte) ((v >>> 8) - (prev >>> 8));
        row[i + 1] = (byte) ((v & 0xff) - (prev & 0xff));
        return i + 2;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 65535);
    }

    @Override
    public void close() throws IOException {
        if (rows != height) {
            deflater.end();
            throw new IOException("PNG closed after " + rows + " of " + height + " rows");
        }
        deflate.finish();
        deflate.flush();
        deflater.end();
        chunk("IEND", new byte[0], 0);
        out.flush();
        out.close();
    }

    private void chunk(String type, byte[] data, int len) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, len);
        out.writeInt(len);
        out.write(t);
        out.write(data, 0, len);
        out.writeInt((int) crc.getValue());
    }

    /** Cuts the compressed stream into IDAT chunks. */
    private final class IdatSink extends OutputStream {
        private final byte[] buf = new byte[CHUNK];
        private int n;

        @Override
        public void write(int b) throws IOException {
            buf[n++] = (byte) b;
            if (n == buf.length) flushChunk();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
                if (n == buf.length) flushChunk();
            }
        }

        @Override
        public void flush() throws IOException {
            if (n > 0) flushChunk();
        }

        private void flushChunk() throws IOException {
            chunk("IDAT", buf, n);
            n = 0;
        }
    }
}
