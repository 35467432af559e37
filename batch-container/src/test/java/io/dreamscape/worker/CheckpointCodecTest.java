package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCodecTest {
    @TempDir
    Path dir;

    private static final byte[] FP = new byte[32];

    static {
        Arrays.fill(FP, (byte) 7);
    }

    /** Like a dreamed working image: a smooth picture plus fine detail with full float mantissas, in [0,1]. */
    private FloatPlanes dreamLike(int w, int h, long seed) {
        FloatPlanes p = FloatPlanes.create(w, h, dir);
        SplittableRandom r = new SplittableRandom(seed);
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.3 * Math.sin(x / 37.0 + c) * Math.cos(y / 23.0) + 0.05 * Math.sin(x * 0.9 + y * 1.3)
                            + 0.01 * r.nextGaussian();
                    row[x] = (float) Math.max(0, Math.min(1, v));
                }
                p.putRow(c, y, row);
            }
        }
        return p;
    }

    private static float[] flat(FloatPlanes p) {
        float[] all = new float[(int) (3 * p.pixels())];
        float[] row = new float[p.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < p.height(); y++) {
                p.getRow(c, y, row);
                System.arraycopy(row, 0, all, (c * p.height() + y) * p.width(), p.width());
            }
        }
        return all;
    }

    private byte[] encode(FloatPlanes p, int threads) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = CheckpointCodec.write(new CheckpointCodec.Header(FP, 2, 5, 12345, p.width(), p.height()), p, out, threads);
        assertEquals(out.size(), n);
        return out.toByteArray();
    }

    private FloatPlanes decode(byte[] bytes, CheckpointCodec.Header[] h) throws Exception {
        return CheckpointCodec.read(new ByteArrayInputStream(bytes), h, dir);
    }

    @Test
    void roundTripIsBitExactForAwkwardSizesAndThreadCounts() throws Exception {
        int[][] sizes = {{1, 1}, {3, 1000}, {1000, 3}, {511, 513}, {700, 700}};
        for (int[] s : sizes) {
            for (int threads : new int[] {1, 3}) {
                try (FloatPlanes p = dreamLike(s[0], s[1], s[0] * 31L + s[1])) {
                    CheckpointCodec.Header[] h = new CheckpointCodec.Header[1];
                    try (FloatPlanes back = decode(encode(p, threads), h)) {
                        assertArrayEquals(flat(p), flat(back), 0f, s[0] + "×" + s[1]);
                        assertEquals(2, h[0].octave());
                        assertEquals(5, h[0].stepsDone());
                        assertEquals(12345, h[0].unitsDone());
                        assertTrue(h[0].belongsTo(FP));
                    }
                }
            }
        }
    }

    @Test
    void everyKindOfDamageIsDetected() throws Exception {
        byte[] good;
        try (FloatPlanes p = dreamLike(300, 200, 1)) {
            good = encode(p, 2);
        }
        CheckpointCodec.Header[] h = new CheckpointCodec.Header[1];
        for (int at : new int[] {0, 10, 50, 66, 70, 80, good.length / 3, good.length / 2, good.length - 20, good.length - 3}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x04;
            assertThrows(CorruptCheckpointException.class, () -> decode(bad, h).close(), "flipped bit at " + at);
        }
        for (int len : new int[] {0, 3, 40, 70, good.length / 2, good.length - 1}) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThrows(CorruptCheckpointException.class, () -> decode(cut, h).close(), "truncated to " + len);
        }
        byte[] text = "not a checkpoint at all, just some text that someone put there".getBytes();
        assertThrows(CorruptCheckpointException.class, () -> decode(text, h).close());
    }

    /** The figures for the report: size against raw float32 and float16, and encode/decode speed. */
    @Test
    void compressesADreamLikeImageWellBelowRawFloat32() throws Exception {
        int w = 2048;
        int h = 1024;
        try (FloatPlanes p = dreamLike(w, h, 3)) {
            encode(p, 2); // warm-up
            long t0 = System.nanoTime();
            byte[] bytes = encode(p, 2);
            long t1 = System.nanoTime();
            CheckpointCodec.Header[] hd = new CheckpointCodec.Header[1];
            decode(bytes, hd).close();
            long t2 = System.nanoTime();
            long raw = 12L * w * h;
            double ratio = bytes.length / (double) raw;
            System.out.printf("checkpoint %d×%d: %.1f MB of %.1f MB float32 (%.0f%%; float16 would be 50%%), "
                            + "encode %.0f MB/s (2 threads), decode %.0f MB/s of raw float32%n",
                    w, h, bytes.length / 1e6, raw / 1e6, 100 * ratio, raw / 1e6 / ((t1 - t0) / 1e9),
                    raw / 1e6 / ((t2 - t1) / 1e9));
            assertTrue(ratio < 0.8, "compressed to " + ratio + " of raw");
        }
    }
}
