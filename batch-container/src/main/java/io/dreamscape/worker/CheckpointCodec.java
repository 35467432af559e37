package io.dreamscape.worker;

import io.dreamscape.engine.storage.FloatPlanes;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The shard checkpoint file: the engine's working image at a step boundary, <b>lossless</b>, so that a resumed attempt
 * produces exactly the pixels of an uninterrupted run.
 *
 * <p>Encoding: the float32 samples are cut into bands of rows (about 4 MiB each, all three channels); in each band the
 * four bytes of every float are regrouped into four byte planes (the "shuffle" filter of HDF5/Blosc). The two high
 * planes (sign, exponent, top mantissa bits) are deflated at {@link Deflater#BEST_SPEED}: for values in [0,1] the
 * exponent plane shrinks to under a tenth. The two low mantissa planes of a dreamed image are noise (deflate saves
 * under 1 % on them at a third of the speed), so they are stored as they are. Measured on a dream-like 2048×1024
 * image: 75 % of raw float32, 125 MB/s per thread (CheckpointCodecTest prints the figures). Bands are compressed in
 * parallel and carry the CRC-32 of their raw bytes. float16 would be 50 % of raw but would change the pixels a
 * resumed run continues from, and so its result; this format resumes bit-exactly.
 *
 * <pre>
 * "DSCK" version(int=1) fingerprint(32 bytes) octave(int) stepsDone(int) unitsDone(long) width(int) height(int)
 * headerCrc32(int, of the 64 bytes before it) rowsPerBand(int) bands(int)
 * per band: rawLength(int) deflatedLength(int) crc32(int, of the raw band) deflated planes 0-1, stored planes 2-3
 * "KCSD" rawTotal(long)
 * </pre>
 * All integers big-endian. Any deviation when reading is a {@link CorruptCheckpointException}.
 */
public final class CheckpointCodec {
    static final int MAGIC = 0x4453434B; // "DSCK"
    static final int TRAILER = 0x4B435344; // "KCSD"
    static final int VERSION = 1;
    private static final int BAND_FLOATS = 1 << 20;
    private static final int HEADER_BYTES = 64;

    private CheckpointCodec() {
    }

    /** What the file says about itself; {@code fingerprint} identifies the plan, shard and parameters it belongs to. */
    public record Header(byte[] fingerprint, int octave, int stepsDone, long unitsDone, int width, int height) {
        public Header {
            if (fingerprint.length != 32) throw new IllegalArgumentException("fingerprint must be 32 bytes");
        }

        public boolean belongsTo(byte[] expected) {
            return Arrays.equals(fingerprint, expected);
        }
    }

    /** Writes {@code planes} (compressed on {@code threads} threads); returns the bytes written. */
    public static long write(Header h, FloatPlanes planes, OutputStream target, int threads) throws IOException {
        if (planes.width() != h.width() || planes.height() != h.height()) {
            throw new IllegalArgumentException("header size differs from the planes");
        }
        CountingStream counting = new CountingStream(target);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(counting, 1 << 16));
        int w = h.width();
        int rows = rowsPerBand(w, h.height());
        int bands = (h.height() + rows - 1) / rows;
        ByteArrayOutputStream head = new ByteArrayOutputStream(HEADER_BYTES);
        DataOutputStream hd = new DataOutputStream(head);
        hd.writeInt(MAGIC);
        hd.writeInt(VERSION);
        hd.write(h.fingerprint());
        hd.writeInt(h.octave());
        hd.writeInt(h.stepsDone());
        hd.writeLong(h.unitsDone());
        hd.writeInt(w);
        hd.writeInt(h.height());
        hd.flush();
        byte[] headBytes = head.toByteArray();
        CRC32 headCrc = new CRC32();
        headCrc.update(headBytes);
        out.write(headBytes);
        out.writeInt((int) headCrc.getValue());
        out.writeInt(rows);
        out.writeInt(bands);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "checkpoint-deflate");
            t.setDaemon(true);
            return t;
        });
        long rawTotal = 0;
        try {
            Deque<Future<Band>> window = new ArrayDeque<>();
            for (int b = 0; b < bands; b++) {
                int y0 = b * rows;
                int n = Math.min(rows, h.height() - y0);
                window.add(pool.submit(() -> encode(planes, y0, n)));
                if (window.size() >= 2 * Math.max(1, threads)) rawTotal += writeBand(out, window.poll());
            }
            while (!window.isEmpty()) rawTotal += writeBand(out, window.poll());
        } finally {
            pool.shutdownNow();
        }
        out.writeInt(TRAILER);
        out.writeLong(rawTotal);
        out.flush();
        return counting.count;
    }

    /** Reads the header only; the stream is then positioned at the first band. */
    public static Header readHeader(DataInputStream in) throws IOException {
        try {
            byte[] headBytes = new byte[HEADER_BYTES];
            in.readFully(headBytes);
            CRC32 headCrc = new CRC32();
            headCrc.update(headBytes);
            int storedCrc = in.readInt();
            in = new DataInputStream(new java.io.ByteArrayInputStream(headBytes));
            if (in.readInt() != MAGIC) throw new CorruptCheckpointException("not a Dreamscape checkpoint (bad magic)");
            int version = in.readInt();
            if (version != VERSION) {
                throw new CorruptCheckpointException("checkpoint format version " + version + ", this worker reads " + VERSION);
            }
            byte[] fp = new byte[32];
            in.readFully(fp);
            int octave = in.readInt();
            int steps = in.readInt();
            long units = in.readLong();
            int w = in.readInt();
            int h = in.readInt();
            if ((int) headCrc.getValue() != storedCrc) throw new CorruptCheckpointException("checkpoint header fails its CRC");
            if (octave < 0 || steps < 0 || units < 0 || w <= 0 || h <= 0) {
                throw new CorruptCheckpointException("impossible header values (octave " + octave + ", steps " + steps
                        + ", size " + w + "×" + h + ")");
            }
            return new Header(fp, octave, steps, units, w, h);
        } catch (EOFException e) {
            throw new CorruptCheckpointException("checkpoint ends inside its header");
        }
    }

    /** Reads the bands that follow {@link #readHeader} into new scratch planes, checking every length and CRC. */
    public static FloatPlanes readPlanes(DataInputStream in, Header h, Path scratch) throws IOException {
        int w = h.width();
        int rows;
        int bands;
        try {
            rows = in.readInt();
            bands = in.readInt();
        } catch (EOFException e) {
            throw new CorruptCheckpointException("checkpoint is truncated");
        }
        if (rows != rowsPerBand(w, h.height()) || bands != (h.height() + rows - 1) / rows) {
            throw new CorruptCheckpointException("band layout " + rows + " rows × " + bands + " does not fit " + w + "×" + h.height());
        }
        FloatPlanes planes = FloatPlanes.create(w, h.height(), scratch);
        boolean ok = false;
        try {
            long rawTotal = 0;
            Inflater inflater = new Inflater(true);
            float[] row = new float[w];
            try {
                for (int b = 0; b < bands; b++) {
                    int y0 = b * rows;
                    int n = Math.min(rows, h.height() - y0);
                    int rawLength = in.readInt();
                    int compressed = in.readInt();
                    int crc = in.readInt();
                    int high = rawLength / 2;
                    if (rawLength != 12 * w * n || compressed < 0 || compressed > high + (high >> 4) + 1024) {
                        throw new CorruptCheckpointException("band " + b + " has impossible lengths");
                    }
                    byte[] data = new byte[compressed];
                    in.readFully(data);
                    byte[] raw = new byte[rawLength];
                    inflater.reset();
                    inflater.setInput(data);
                    int got = inflater.inflate(raw, 0, high);
                    if (got != high || !inflater.finished()) {
                        throw new CorruptCheckpointException("band " + b + " does not inflate to its length");
                    }
                    in.readFully(raw, high, rawLength - high);
                    CRC32 c = new CRC32();
                    c.update(raw);
                    if ((int) c.getValue() != crc) throw new CorruptCheckpointException("band " + b + " fails its CRC");
                    int count = 3 * w * n;
                    int i = 0;
                    for (int ch = 0; ch < 3; ch++) {
                        for (int y = y0; y < y0 + n; y++) {
                            for (int x = 0; x < w; x++, i++) {
                                int bits = (raw[i] & 0xff) << 24 | (raw[count + i] & 0xff) << 16
                                        | (raw[2 * count + i] & 0xff) << 8 | (raw[3 * count + i] & 0xff);
                                row[x] = Float.intBitsToFloat(bits);
                            }
                            planes.putRow(ch, y, row);
                        }
                    }
                    rawTotal += rawLength;
                }
            } catch (DataFormatException e) {
                throw new CorruptCheckpointException("a band is not valid deflate data: " + e.getMessage());
            } finally {
                inflater.end();
            }
            if (in.readInt() != TRAILER || in.readLong() != rawTotal) {
                throw new CorruptCheckpointException("checkpoint trailer is missing or wrong");
            }
            ok = true;
            return planes;
        } catch (EOFException e) {
            throw new CorruptCheckpointException("checkpoint is truncated");
        } finally {
            if (!ok) planes.close();
        }
    }

    /** Convenience: header and planes from one stream. */
    public static FloatPlanes read(InputStream in, Header[] header, Path scratch) throws IOException {
        DataInputStream d = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        Header h = readHeader(d);
        header[0] = h;
        return readPlanes(d, h, scratch);
    }

    static int rowsPerBand(int width, int height) {
        return Math.max(1, Math.min(height, BAND_FLOATS / (3 * width)));
    }

    /** {@code data}: the deflated high planes; {@code raw}: the whole band, whose low half is stored as it is. */
    private record Band(int rawLength, int crc, byte[] data, byte[] raw) {
    }

    private static long writeBand(DataOutputStream out, Future<Band> f) throws IOException {
        Band b;
        try {
            b = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing a checkpoint", e);
        } catch (ExecutionException e) {
            throw new IOException("checkpoint compression failed: " + e.getCause(), e.getCause());
        }
        out.writeInt(b.rawLength());
        out.writeInt(b.data().length);
        out.writeInt(b.crc());
        out.write(b.data());
        out.write(b.raw(), b.rawLength() / 2, b.rawLength() / 2);
        return b.rawLength();
    }

    private static Band encode(FloatPlanes p, int y0, int n) {
        int w = p.width();
        int count = 3 * w * n;
        byte[] raw = new byte[4 * count];
        float[] row = new float[w];
        int i = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = y0; y < y0 + n; y++) {
                p.getRow(c, y, row);
                for (int x = 0; x < w; x++, i++) {
                    int bits = Float.floatToRawIntBits(row[x]);
                    raw[i] = (byte) (bits >>> 24);
                    raw[count + i] = (byte) (bits >>> 16);
                    raw[2 * count + i] = (byte) (bits >>> 8);
                    raw[3 * count + i] = (byte) bits;
                }
            }
        }
        CRC32 crc = new CRC32();
        crc.update(raw);
        Deflater d = new Deflater(Deflater.BEST_SPEED, true);
        try {
            d.setInput(raw, 0, 2 * count);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(count + 64);
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) {
                int k = d.deflate(buf);
                out.write(buf, 0, k);
            }
            byte[] data = out.toByteArray();
            return new Band(raw.length, (int) crc.getValue(), data, raw);
        } finally {
            d.end();
        }
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream target;
        long count;

        CountingStream(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }
    }
}
