package io.dreamscape.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.imaging.ImageException;
import io.dreamscape.job.ParameterException;
import io.dreamscape.testing.Fixtures;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Masks of any size with the image's shape, decoded region-wise into one plane at the image's size. */
class MaskInputTest {
    @TempDir
    Path dir;

    /** A greyscale PNG whose value at (x, y) is {@code grey.at(x, y)} (0-255). */
    interface Grey {
        int at(int x, int y);
    }

    static Path greyPng(Path file, int w, int h, Grey grey) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, grey.at(x, y));
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void aHalfSizeMaskIsResizedAndBlackStaysExactlyZeroWhiteExactlyOne() throws Exception {
        Path m = greyPng(dir.resolve("m.png"), 150, 85, (x, y) -> x < 75 ? 0 : 255);
        try (FloatPlanes p = MaskInput.load(m, 300, 170, 1_000_000L, dir)) {
            assertEquals(1, p.channels());
            assertEquals(300, p.width());
            assertEquals(170, p.height());
            for (int y = 0; y < 170; y++) {
                for (int x = 0; x < 300; x++) {
                    float v = p.get(0, y, x);
                    if (x <= 148) assertEquals(0f, v, "black at " + x + "," + y);
                    if (x >= 151) assertEquals(1f, v, "white at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void greyLevelsKeepTheirValue() throws Exception {
        Path m = greyPng(dir.resolve("g.png"), 40, 20, (x, y) -> 128);
        try (FloatPlanes p = MaskInput.load(m, 40, 20, 1_000_000L, dir)) {
            assertEquals(128 / 255.0, p.get(0, 7, 13), 1e-6);
        }
    }

    @Test
    void aRegionIsTheCropOfTheWholeMaskResizedToTheImage() throws Exception {
        Path m = greyPng(dir.resolve("r.png"), 97, 53, (x, y) -> (x * 7 + y * 13) % 256);
        Rectangle r = new Rectangle(37, 11, 100, 50);
        try (FloatPlanes whole = MaskInput.load(m, 291, 159, 1_000_000L, dir);
             FloatPlanes part = MaskInput.load(m, 291, 159, r, 1_000_000L, dir)) {
            assertEquals(r.width, part.width());
            for (int y = 0; y < r.height; y++) {
                for (int x = 0; x < r.width; x++) {
                    assertEquals(whole.get(0, r.y + y, r.x + x), part.get(0, y, x), "at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void theMasksExifOrientationIsHonoured() throws Exception {
        // Stored 100×200, top half black, bottom half white; orientation 6 (rotate 90° clockwise to display) shows it
        // 200×100 with the stored top on the right: displayed left half white, right half black.
        BufferedImage img = new BufferedImage(100, 200, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 100; y < 200; y++) for (int x = 0; x < 100; x++) img.setRGB(x, y, 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        Path m = dir.resolve("o6.jpg");
        Files.write(m, Fixtures.withExifOrientation(out.toByteArray(), 6));
        try (FloatPlanes p = MaskInput.load(m, 400, 200, 1_000_000L, dir)) {
            double left = 0;
            double right = 0;
            for (int y = 0; y < 200; y++) {
                for (int x = 0; x < 150; x++) left += p.get(0, y, x);
                for (int x = 250; x < 400; x++) right += p.get(0, y, x);
            }
            assertTrue(left / (150 * 200) > 0.95, "displayed left is white: " + left / (150 * 200));
            assertTrue(right / (150 * 200) < 0.05, "displayed right is black: " + right / (150 * 200));
        }
        // the stored shape (100×200, portrait) would not fit a landscape image; the displayed one does
        assertThrows(ParameterException.class, () -> MaskInput.probe(m, 200, 400, 1_000_000L));
    }

    @Test
    void aMaskOfAnotherShapeIsRefusedNamingBothRatios() throws Exception {
        Path m = greyPng(dir.resolve("w.png"), 100, 100, (x, y) -> 255);
        ParameterException e = assertThrows(ParameterException.class, () -> MaskInput.load(m, 300, 170, 1_000_000L, dir));
        assertEquals("the mask is 100×100 (aspect ratio 1.000) but the image is 300×170 (aspect ratio 1.765); a mask may "
                + "have any size but must have the image's aspect ratio (within 1 %): resize or crop it to the image's "
                + "shape (as displayed, EXIF rotation applied)", e.getMessage());
        // within 1 %: 6000×4000's mask at 641×427 passes
        Path close = greyPng(dir.resolve("c.png"), 641, 427, (x, y) -> 255);
        MaskInput.probe(close, 6000, 4000, 1_000_000L);
    }

    @Test
    void anUnreadableMaskIsAnImageError() throws Exception {
        Path m = dir.resolve("broken.png");
        Files.writeString(m, "not a picture");
        assertThrows(ImageException.class, () -> MaskInput.load(m, 300, 170, 1_000_000L, dir));
    }
}
