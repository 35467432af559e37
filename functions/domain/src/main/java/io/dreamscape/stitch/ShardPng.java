package io.dreamscape.stitch;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shard result format, written here and read by {@link Stitcher} (through {@link PngRowReader}): a 16-bit RGB PNG
 * of the shard's halo rectangle ({@link io.dreamscape.job.Shard}), streamed one row at a time. A worker hands over
 * float rows in [0, 1]; they are clamped and rounded to 16 bits exactly as the engine's {@code ImagePlanes.quantize}
 * rounds its output, so a shard and a whole-image dream of the same pixels agree sample for sample. The split dream's
 * base detail uses the same format.
 */
public final class ShardPng implements AutoCloseable {
    private static final float MAX = 65535f;

    private final OutputStream file;
    private final PngRowWriter png;
    private final int[] rgb;

    private ShardPng(OutputStream file, int width, int height) throws IOException {
        this.file = file;
        this.png = new PngRowWriter(file, width, height);
        this.rgb = new int[3 * width];
    }

    /** A {@code width}×{@code height} shard PNG at {@code file}; write every row, then close. */
    public static ShardPng create(Path file, int width, int height) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        try {
            return new ShardPng(out, width, height);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** The next row, one array per channel, samples in [0, 1] (outside is clamped). */
    public void writeRow(float[] red, float[] green, float[] blue) throws IOException {
        for (int x = 0; x < rgb.length / 3; x++) {
            rgb[3 * x] = sample(red[x]);
            rgb[3 * x + 1] = sample(green[x]);
            rgb[3 * x + 2] = sample(blue[x]);
        }
        png.writeRow(rgb);
    }

    /** A sample in [0, 1] as a 16-bit value: clamped, then rounded to the nearest step. */
    static int sample(float v) {
        return Math.round((v < 0 ? 0 : Math.min(v, 1f)) * MAX);
    }

    @Override
    public void close() throws IOException {
        try (file) {
            png.close();
        }
    }
}
