package io.dreamscape.stitch;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

class DeepZoomWriterTest {
    static final int W = 1000;
    static final int H = 613;
    static final int T = 100;
    static final int O = 2;

    static int pixel(int x, int y) {
        int r = (x * 7 + y * 3) & 0xff;
        int g = (x ^ y) & 0xff;
        int b = (x * y / 17) & 0xff;
        return r << 16 | g << 8 | b;
    }

    static Path write(Path dir, String format) throws IOException {
        Path dzi = dir.resolve("img.dzi");
        DeepZoomWriter z = new DeepZoomWriter(W, H, T, O, format, 90, dzi);
        int[] row = new int[W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) row[x] = pixel(x, y);
            z.addRow(row);
        }
        assertTrue(z.finished());
        return dzi;
    }

    @Test
    void descriptorNamesSizeTileSizeOverlapAndFormat() throws Exception {
        Path dzi = write(Files.createTempDirectory("dzi"), "png");
        Element image = DocumentBuilderFactory.newNSInstance().newDocumentBuilder().parse(dzi.toFile()).getDocumentElement();
        assertEquals("http://schemas.microsoft.com/deepzoom/2008", image.getNamespaceURI());
        assertEquals("Image", image.getLocalName());
        assertEquals("png", image.getAttribute("Format"));
        assertEquals(String.valueOf(T), image.getAttribute("TileSize"));
        assertEquals(String.valueOf(O), image.getAttribute("Overlap"));
        Element size = (Element) image.getElementsByTagNameNS("*", "Size").item(0);
        assertEquals(String.valueOf(W), size.getAttribute("Width"));
        assertEquals(String.valueOf(H), size.getAttribute("Height"));
    }

    @Test
    void everyLevelHasItsTilesWithTheRightSizesDownToOnePixel(@TempDir Path dir) throws IOException {
        write(dir, "png");
        Path files = dir.resolve("img_files");
        int max = DeepZoomWriter.maxLevel(W, H);
        assertEquals(10, max, "1000 px needs 2^10 ≥ 1000");
        try (Stream<Path> levels = Files.list(files)) {
            assertEquals(max + 1, levels.count());
        }
        for (int level = max; level >= 0; level--) {
            int lw = (int) Math.ceil(W / Math.pow(2, max - level));
            int lh = (int) Math.ceil(H / Math.pow(2, max - level));
            int cols = (lw + T - 1) / T;
            int rows = (lh + T - 1) / T;
            try (Stream<Path> tiles = Files.list(files.resolve(String.valueOf(level)))) {
                assertEquals((long) cols * rows, tiles.count(), "tiles at level " + level);
            }
            for (int c = 0; c < cols; c++) {
                for (int r = 0; r < rows; r++) {
                    BufferedImage t = ImageIO.read(files.resolve(level + "/" + c + "_" + r + ".png").toFile());
                    int x0 = Math.max(0, c * T - O), x1 = Math.min(lw, (c + 1) * T + O);
                    int y0 = Math.max(0, r * T - O), y1 = Math.min(lh, (r + 1) * T + O);
                    assertEquals(x1 - x0, t.getWidth(), "width of " + level + "/" + c + "_" + r);
                    assertEquals(y1 - y0, t.getHeight(), "height of " + level + "/" + c + "_" + r);
                }
            }
        }
        BufferedImage one = ImageIO.read(files.resolve("0/0_0.png").toFile());
        assertEquals(1, one.getWidth());
        assertEquals(1, one.getHeight());
    }

    @Test
    void deepestTilesHoldTheImagesPixelsIncludingTheOverlap(@TempDir Path dir) throws IOException {
        write(dir, "png");
        Path level = dir.resolve("img_files/10");
        // An inner tile (overlap on all four sides) and the last, ragged one.
        for (int[] cr : new int[][] {{3, 2}, {9, 6}}) {
            BufferedImage t = ImageIO.read(level.resolve(cr[0] + "_" + cr[1] + ".png").toFile());
            int x0 = cr[0] * T - O;
            int y0 = cr[1] * T - O;
            for (int y = 0; y < t.getHeight(); y++) {
                for (int x = 0; x < t.getWidth(); x++) {
                    assertEquals(pixel(x0 + x, y0 + y), t.getRGB(x, y) & 0xffffff, "pixel " + (x0 + x) + "," + (y0 + y));
                }
            }
        }
    }

    @Test
    void eachLevelIsTheTwoByTwoAverageOfTheOneBelow(@TempDir Path dir) throws IOException {
        write(dir, "png");
        BufferedImage t = ImageIO.read(dir.resolve("img_files/9/1_1.png").toFile());
        int x0 = T - O;
        int y0 = T - O;
        for (int y = 0; y < t.getHeight(); y += 7) {
            for (int x = 0; x < t.getWidth(); x += 5) {
                int fx = 2 * (x0 + x);
                int fy = 2 * (y0 + y);
                for (int shift : new int[] {16, 8, 0}) {
                    int sum = (pixel(fx, fy) >>> shift & 0xff) + (pixel(fx + 1, fy) >>> shift & 0xff)
                            + (pixel(fx, fy + 1) >>> shift & 0xff) + (pixel(fx + 1, fy + 1) >>> shift & 0xff);
                    assertEquals((sum + 2) >> 2, t.getRGB(x, y) >>> shift & 0xff);
                }
            }
        }
    }

    @Test
    void jpegTilesAreCloseToThePixels(@TempDir Path dir) throws IOException {
        write(dir, "jpg");
        BufferedImage t = ImageIO.read(dir.resolve("img_files/10/0_0.jpg").toFile());
        assertEquals(T + O, t.getWidth());
        long err = 0;
        for (int y = 0; y < t.getHeight(); y++) {
            for (int x = 0; x < t.getWidth(); x++) {
                err += Math.abs((t.getRGB(x, y) >>> 8 & 0xff) - (pixel(x, y) >>> 8 & 0xff));
            }
        }
        assertTrue(err / (double) (t.getWidth() * t.getHeight()) < 12, "mean green error " + err / (double) (t.getWidth() * t.getHeight()));
    }

    @Test
    void refusesRowsBeyondTheLast(@TempDir Path dir) throws IOException {
        DeepZoomWriter z = new DeepZoomWriter(3, 1, T, O, "png", 90, dir.resolve("x.dzi"));
        z.addRow(new int[3]);
        assertThrows(IllegalStateException.class, () -> z.addRow(new int[3]));
        assertEquals(3, DeepZoomWriter.maxLevel(3, 1) + 1, "levels 0..2 for a 3-pixel-wide image");
        assertTrue(Files.exists(dir.resolve("x_files/0/0_0.png")));
    }
}
