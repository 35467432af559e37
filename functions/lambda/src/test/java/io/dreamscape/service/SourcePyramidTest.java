package io.dreamscape.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.imaging.DecodedImage;
import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.stitch.DeepZoomWriter;
import io.dreamscape.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The streamed source pyramid equals one built from the classic whole-image decode, with a small strip. */
class SourcePyramidTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "EXIF orientation {0}")
    @ValueSource(ints = {1, 3, 6, 8})
    void streamedRowsAndTilesEqualTheClassicDecode(int orientation) throws IOException {
        // 517×389 stored: ragged tiles at the 254-px grid; 6 and 8 display it as 389×517.
        BufferedImage picture = Fixtures.picture(517, 389);
        Path src = dir.resolve("src.jpg");
        Files.write(src, Fixtures.withExifOrientation(Fixtures.encode(picture, "jpeg"), orientation));
        ImageInfo info = RegionDecoder.probe(src, Long.MAX_VALUE);
        int w = info.orientedWidth();
        int h = info.orientedHeight();
        assertEquals(orientation >= 5 ? 389 : 517, w);

        List<int[]> classic = classicRows(src);
        assertEquals(h, classic.size());

        // A strip of 20 rows: the decoder never hands more than that to the pyramid.
        long strip = 3L * w * 20;
        List<int[]> streamed = new ArrayList<>();
        int decodes = SourcePyramid.rows(src, info, strip, r -> streamed.add(r.clone()));
        assertEquals(orientation <= 2 ? 1 : (h + 19) / 20, decodes);
        assertEquals(h, streamed.size());
        for (int y = 0; y < h; y++) {
            assertArrayEquals(classic.get(y), streamed.get(y), "row " + y);
        }

        DeepZoomWriter zoom = SourcePyramid.pyramid(src, w, h, dir.resolve("s.dzi"), strip);
        DeepZoomWriter reference = DeepZoomWriter.jpeg(w, h, dir.resolve("c.dzi"));
        classic.forEach(reference::addRow);
        int deepest = DeepZoomWriter.maxLevel(w, h);
        Path streamedLevel = zoom.filesDirectory().resolve(Integer.toString(deepest));
        Path classicLevel = reference.filesDirectory().resolve(Integer.toString(deepest));
        List<Path> tiles;
        try (Stream<Path> s = Files.list(classicLevel)) {
            tiles = s.sorted().toList();
        }
        assertEquals(6, tiles.size(), "a 3×2 (or 2×3) grid of 254-px tiles");
        for (Path t : tiles) {
            assertArrayEquals(Files.readAllBytes(t), Files.readAllBytes(streamedLevel.resolve(t.getFileName())),
                    "tile " + t.getFileName());
        }
        assertEquals(Files.readString(dir.resolve("c.dzi")), Files.readString(dir.resolve("s.dzi")));
    }

    private static List<int[]> classicRows(Path src) throws IOException {
        DecodedImage image = ImageDecoder.read(src, Long.MAX_VALUE);
        int w = image.width();
        float[] r = new float[w];
        float[] g = new float[w];
        float[] b = new float[w];
        List<int[]> rows = new ArrayList<>();
        for (int y = 0; y < image.height(); y++) {
            image.readRow(y, r, g, b);
            int[] row = new int[w];
            for (int x = 0; x < w; x++) row[x] = to8(r[x]) << 16 | to8(g[x]) << 8 | to8(b[x]);
            rows.add(row);
        }
        assertTrue(rows.size() > 0);
        return rows;
    }

    private static int to8(float v) {
        return Math.round((v < 0 ? 0 : Math.min(v, 1f)) * 255f);
    }
}
