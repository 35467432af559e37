package io.dreamscape.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagingTest {
    @TempDir
    Path dir;

    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 3) << 16 | (y * 2) << 8 | 90);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    @Test
    void probesSizeFromAPrefixWithoutDecoding() throws Exception {
        byte[] j = jpeg(321, 123);
        ImageInfo info = ImageProbe.probe(Arrays.copyOf(j, 700));
        assertEquals(ImageFormat.JPEG, info.format());
        assertEquals(321, info.width());
        assertEquals(123, info.height());
    }

    @Test
    void aPrefixEndingInsideTheHeaderIsReportedAsTruncated() throws Exception {
        byte[] j = jpeg(50, 50);
        ImageException e = assertThrows(ImageException.class, () -> ImageProbe.probe(Arrays.copyOf(j, 30)));
        assertTrue(e.isTruncated(), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void limitMessageSaysSizeAndLimitInWords() {
        ImageInfo info = new ImageInfo(ImageFormat.PNG, 70000, 70000, 1, 8);
        ImageException e = assertThrows(ImageException.class, () -> ImageProbe.checkLimit(info, 1_000_000_000L));
        assertTrue(e.getMessage().startsWith("image is 70000×70000 = 4.9 gigapixels; the limit is 1.0 gigapixels"), e.getMessage());
    }

    @Test
    void sniffsByMagicBytesNotByName() {
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}).orElseThrow());
        assertEquals(ImageFormat.TIFF, ImageFormat.sniff(new byte[] {'I', 'I', 42, 0}).orElseThrow());
        assertFalse(ImageFormat.sniff("GIF89a".getBytes()).isPresent());
    }

    @Test
    void copiesExifToTheOutputWithOrientationResetToUpright() throws Exception {
        // EXIF payload: little-endian TIFF with IFD0 holding orientation 6.
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0).putInt(0);
        BufferedImage img = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
        Path out = dir.resolve("o.jpg");
        ImageEncoder.write(img, out, 90, tiff.array());
        byte[] written = ImageDecoder.readExif(out);
        assertNotNull(written, "EXIF must be present in the output");
        assertEquals(1, ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN).getShort(8 + 2 + 8));
        assertEquals(1, ImageProbe.probe(out).orientation());
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(out)));
        assertEquals(20, back.getWidth());
    }

    @Test
    void atomicWriteLeavesNothingWhenTheWriterFails() throws Exception {
        Path target = dir.resolve("result.png");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, temp -> {
            Files.write(temp, new byte[] {1, 2, 3});
            throw new IOException("disk full");
        }));
        assertFalse(Files.exists(target));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "no temporary file may remain");
        }
        AtomicFiles.write(target, temp -> Files.write(temp, new byte[] {7}));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
    }
}
