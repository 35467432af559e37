package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.job.Rect;
import io.dreamscape.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard decodes only its halo, as displayed, into its planes: equal to the whole image decoded and cropped. */
class ShardInputTest {
    @TempDir
    Path dir;

    @Test
    void theHaloOfARotatedJpegEqualsTheWholeDecodeCropped() throws Exception {
        for (int orientation : new int[] {1, 3, 6, 8}) {
            Path in = dir.resolve("in" + orientation + ".jpg");
            Files.write(in, Fixtures.withExifOrientation(jpeg(300, 200), orientation));
            boolean swap = orientation >= 5;
            int w = swap ? 200 : 300;
            int h = swap ? 300 : 200;
            Rect halo = new Rect(37, 51, w / 2, h / 3);
            StreamedInput.Loaded got = ShardInput.load(in, w, h, halo, 1_000_000L, dir);
            try (FloatPlanes shard = got.planes();
                 FloatPlanes expected = ImagePlanes.load(ImageDecoder.read(in, 1_000_000L), halo.x(), halo.y(),
                         halo.width(), halo.height(), dir)) {
                assertTrue(got.streamed());
                assertEquals(8, got.bitsPerSample());
                assertEquals(halo.width(), shard.width());
                assertEquals(halo.height(), shard.height());
                float[] a = new float[halo.width()];
                float[] b = new float[halo.width()];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < halo.height(); y++) {
                        shard.getRow(c, y, a);
                        expected.getRow(c, y, b);
                        assertArrayEquals(b, a, "orientation " + orientation + ", channel " + c + ", row " + y);
                    }
                }
            }
        }
    }

    @Test
    void anInputOfAnotherSizeThanPlannedIsRefusedBeforeDecoding() throws Exception {
        Path in = dir.resolve("in.jpg");
        Files.write(in, Fixtures.withExifOrientation(jpeg(300, 200), 6));
        ShardInput.SizeMismatch e = assertThrows(ShardInput.SizeMismatch.class,
                () -> ShardInput.load(in, 300, 200, new Rect(0, 0, 10, 10), 1_000_000L, dir));
        assertEquals("the input is 200×300 but the plan was made for 300×200", e.getMessage());
    }

    static byte[] jpeg(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x & 0xff) << 16 | (y & 0xff) << 8 | (x * y) & 0xff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }
}
