package io.dreamscape.stitch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard format's writer and the stitcher's reader agree: what a worker writes is what assembly reads. */
class ShardPngTest {

    @Test
    void rowsWrittenAsFloatsAreReadBackAsClampedRounded16BitSamples(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("shard.png");
        float[] red = {0f, 1f, -0.5f, 2f};
        float[] green = {0.5f, 1e-5f, Float.NaN, 0.25f};
        float[] blue = {1f / 65535f, 0.999999f, 0.75f, 0f};
        try (ShardPng png = ShardPng.create(file, 4, 2)) {
            png.writeRow(red, green, blue);
            png.writeRow(blue, red, green);
        }
        try (InputStream in = Files.newInputStream(file); PngRowReader reader = new PngRowReader(in)) {
            assertEquals(4, reader.width());
            assertEquals(2, reader.height());
            assertEquals(16, reader.bitDepth());
            int[] row = new int[12];
            reader.readRow(row);
            // 0.5 · 65535 = 32767.5 rounds up; NaN and negatives become 0, above 1 becomes 65535.
            assertArrayEquals(new int[]{0, 32768, 1, 65535, 1, 65535, 0, 0, 49151, 65535, 16384, 0}, row);
            reader.readRow(row);
            assertArrayEquals(new int[]{1, 0, 32768, 65535, 65535, 1, 49151, 0, 0, 0, 65535, 16384}, row);
        }
    }
}
