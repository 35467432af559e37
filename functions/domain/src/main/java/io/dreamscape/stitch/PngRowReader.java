package io.dreamscape.stitch;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Reads a non-interlaced PNG one row at a time with memory for two rows only, so shards of any size stream through
 * assembly. Colour types gray, RGB, gray+alpha and RGBA at 8 or 16 bits; alpha is ignored. Samples come out scaled
 * to 16 bits (0-65535) as RGB triples.
 */
public final class PngRowReader implements AutoCloseable {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

    private final DataInputStream in;
    private final InflaterInputStream pixels;
    private final Inflater inflater = new Inflater();
    private final int width;
    private final int height;
    private final int depth;
    private final int channels;
    private final int bpp;
    private byte[] previous;
    private byte[] current;
    private int nextRow;

    public PngRowReader(InputStream raw) throws IOException {
        this.in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        byte[] sig = in.readNBytes(8);
        if (!java.util.Arrays.equals(sig, SIGNATURE)) {
            throw new IOException("not a PNG file");
        }
        int len = in.readInt();
        String type = chunkType();
        if (!type.equals("IHDR") || len != 13) {
            throw new IOException("PNG does not start with IHDR");
        }
        width = in.readInt();
        height = in.readInt();
        depth = in.readUnsignedByte();
        int colorType = in.readUnsignedByte();
        in.readUnsignedByte(); // compression
        in.readUnsignedByte(); // filter method
        int interlace = in.readUnsignedByte();
        in.readInt(); // CRC
        channels = switch (colorType) {
            case 0 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IOException("PNG colour type " + colorType + " is not supported (use RGB)");
        };
        if (depth != 8 && depth != 16) {
            throw new IOException("PNG bit depth " + depth + " is not supported (use 8 or 16)");
        }
        if (interlace != 0) {
            throw new IOException("interlaced PNG is not supported");
        }
        if (width <= 0 || height <= 0) {
            throw new IOException("PNG has an invalid size " + width + "×" + height);
        }
        bpp = channels * depth / 8;
        previous = new byte[width * bpp];
        current = new byte[width * bpp];
        pixels = new InflaterInputStream(new IdatStream(), inflater, 1 << 16);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int bitDepth() {
        return depth;
    }

    /** Reads the next row into {@code rgb} (length ≥ 3·width): R,G,B per pixel, each 0-65535. */
    public void readRow(int[] rgb) throws IOException {
        if (nextRow >= height) {
            throw new EOFException("PNG has only " + height + " rows");
        }
        int filter = pixels.read();
        if (filter < 0) {
            throw new EOFException("PNG pixel data ends at row " + nextRow + " of " + height);
        }
        byte[] t = previous;
        previous = current;
        current = t;
        int n = pixels.readNBytes(current, 0, current.length);
        if (n < current.length) {
            throw new EOFException("PNG pixel data ends inside row " + nextRow + " of " + height);
        }
        unfilter(filter, current, previous);
        int step = depth / 8;
        for (int x = 0, o = 0; x < width; x++) {
            int base = x * bpp;
            if (channels >= 3) {
                rgb[o++] = sample(base, step);
                rgb[o++] = sample(base + step, step);
                rgb[o++] = sample(base + 2 * step, step);
            } else {
                int g = sample(base, step);
                rgb[o++] = g;
                rgb[o++] = g;
                rgb[o++] = g;
            }
        }
        nextRow++;
    }

    private int sample(int i, int step) {
        if (step == 2) {
            return (current[i] & 0xff) << 8 | (current[i + 1] & 0xff);
        }
        return (current[i] & 0xff) * 257;
    }

    private void unfilter(int filter, byte[] row, byte[] prior) throws IOException {
        int n = row.length;
        switch (filter) {
            case 0 -> { }
            case 1 -> {
                for (int i = bpp; i < n; i++) row[i] += row[i - bpp];
            }
            case 2 -> {
                for (int i = 0; i < n; i++) row[i] += prior[i];
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    int left = i >= bpp ? row[i - bpp] & 0xff : 0;
                    row[i] += (byte) ((left + (prior[i] & 0xff)) >>> 1);
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    int a = i >= bpp ? row[i - bpp] & 0xff : 0;
                    int b = prior[i] & 0xff;
                    int c = i >= bpp ? prior[i - bpp] & 0xff : 0;
                    int p = a + b - c;
                    int pa = Math.abs(p - a);
                    int pb = Math.abs(p - b);
                    int pc = Math.abs(p - c);
                    row[i] += (byte) (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
            }
            default -> throw new IOException("PNG row " + nextRow + " has an unknown filter " + filter);
        }
    }

    private String chunkType() throws IOException {
        return new String(in.readNBytes(4), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }

    /** The concatenated payload of the IDAT chunks, skipping every other chunk. */
    private final class IdatStream extends InputStream {
        private long left;
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (left == 0) {
                if (done || !nextIdat()) {
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("PNG ends inside an IDAT chunk");
            }
            left -= n;
            if (left == 0) {
                in.readInt(); // CRC
            }
            return n;
        }

        private boolean nextIdat() throws IOException {
            while (true) {
                long len = in.readInt() & 0xffffffffL;
                String type = chunkType();
                if (type.equals("IDAT")) {
                    left = len;
                    if (len == 0) in.readInt();
                    return true;
                }
                if (type.equals("IEND")) {
                    done = true;
                    return false;
                }
                in.skipNBytes(len + 4);
            }
        }
    }
}
