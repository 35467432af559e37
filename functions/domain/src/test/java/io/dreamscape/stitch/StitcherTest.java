package io.dreamscape.stitch;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntBinaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StitcherTest {
    static final int W = 300;
    static final int H = 200;
    static final int HALO = 16;

    /** A 2×2 grid of shards with halos, as the planner cuts them. */
    static List<Shard> grid() {
        List<Shard> shards = new ArrayList<>();
        int[] xs = {0, 150, 300};
        int[] ys = {0, 100, 200};
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                Rect core = new Rect(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]);
                shards.add(new Shard(shards.size(), core, core.grow(HALO, W, H), 1));
            }
        }
        return shards;
    }

    /** A shard PNG whose pixel (x,y) in full-image coordinates has the 16-bit grey value f(x,y). */
    static byte[] shardPng(Shard s, IntBinaryOperator f) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Rect h = s.halo();
        try (PngRowWriter w = new PngRowWriter(bytes, h.width(), h.height())) {
            int[] row = new int[3 * h.width()];
            for (int y = h.y(); y < h.bottom(); y++) {
                for (int x = h.x(); x < h.right(); x++) {
                    int v = f.applyAsInt(x, y);
                    int i = 3 * (x - h.x());
                    row[i] = v;
                    row[i + 1] = v / 2;
                    row[i + 2] = 65535 - v;
                }
                w.writeRow(row);
            }
        }
        return bytes.toByteArray();
    }

    static int[][] blend(List<Shard> shards, Map<Integer, byte[]> pngs) throws IOException {
        int[][] out = new int[H][];
        try (Stitcher.RowBlender b = new Stitcher.RowBlender(W, H, shards, s -> new ByteArrayInputStream(pngs.get(s.index())))) {
            for (int y = 0; y < H; y++) out[y] = b.row(y);
            assertTrue(b.finished());
        }
        return out;
    }

    static int red(int rgb) {
        return rgb >>> 16 & 0xff;
    }

    @Test
    void pngRowWriterOutputIsA16BitPngThatImageIoAndTheReaderAgreeOn() throws IOException {
        Shard s = grid().get(3);
        byte[] png = shardPng(s, (x, y) -> (x * 97 + y * 211) % 65536);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(s.halo().width(), img.getWidth());
        assertEquals(16, img.getColorModel().getComponentSize(0));
        int[] row = new int[3 * s.halo().width()];
        try (PngRowReader r = new PngRowReader(new ByteArrayInputStream(png))) {
            for (int y = 0; y < 5; y++) r.readRow(row);
        }
        int x = 7;
        int expected = ((s.halo().x() + x) * 97 + (s.halo().y() + 4) * 211) % 65536;
        assertEquals(expected, row[3 * x]);
        assertEquals(expected, img.getRaster().getSample(x, 4, 0));
        assertEquals(65535 - expected, img.getRaster().getSample(x, 4, 2));
    }

    @Test
    void identicalOverlapsReproduceTheImageExactly() throws IOException {
        IntBinaryOperator f = (x, y) -> (x * 200 + y * 100) % 65536;
        Map<Integer, byte[]> pngs = new HashMap<>();
        for (Shard s : grid()) pngs.put(s.index(), shardPng(s, f));
        int[][] out = blend(grid(), pngs);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int expected = Math.round(f.applyAsInt(x, y) / 257f);
                assertEquals(expected, red(out[y][x]), 1, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void differentShardsMeetWithoutASeam() throws IOException {
        // Each shard is flat but at its own level: a hard cut would jump by 80 (8-bit) at the core boundary.
        int[] level = {10_000, 30_560, 20_000, 50_000};
        Map<Integer, byte[]> pngs = new HashMap<>();
        for (Shard s : grid()) pngs.put(s.index(), shardPng(s, (x, y) -> level[s.index()]));
        int[][] out = blend(grid(), pngs);
        int maxStep = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 1; x < W; x++) maxStep = Math.max(maxStep, Math.abs(red(out[y][x]) - red(out[y][x - 1])));
        }
        for (int x = 0; x < W; x++) {
            for (int y = 1; y < H; y++) maxStep = Math.max(maxStep, Math.abs(red(out[y][x]) - red(out[y - 1][x])));
        }
        // 80 levels spread over 2×16 pixels: about 2.5 per pixel.
        assertTrue(maxStep <= 4, "largest step between neighbours is " + maxStep);
        // Cores far from any halo keep their own shard's value.
        assertEquals(Math.round(level[0] / 257f), red(out[20][20]));
        assertEquals(Math.round(level[3] / 257f), red(out[180][280]));
        // At the boundary the blend is halfway.
        int mid = red(out[20][150]);
        assertEquals((level[0] + level[1]) / 2 / 257.0, mid, 2.0);
    }

    @Test
    void writesSameSizeJpegPreviewAndThumbnail(@TempDir Path dir) throws IOException {
        IntBinaryOperator f = (x, y) -> 20_000 + x * 100 + y * 50;
        Map<Integer, byte[]> pngs = new HashMap<>();
        for (Shard s : grid()) pngs.put(s.index(), shardPng(s, f));
        Stitcher.Outputs o = Stitcher.stitch(W, H, grid(), s -> new ByteArrayInputStream(pngs.get(s.index())), 95,
                null, dir.resolve("out.dream.jpg"), dir.resolve("out.preview.jpg"), dir.resolve("out.thumb.jpg"), 128, 32);
        BufferedImage full = ImageIO.read(dir.resolve("out.dream.jpg").toFile());
        assertEquals(W, full.getWidth());
        assertEquals(H, full.getHeight());
        double err = 0;
        for (int y = 0; y < H; y += 7) {
            for (int x = 0; x < W; x += 7) err += Math.abs(red(full.getRGB(x, y)) - f.applyAsInt(x, y) / 257.0);
        }
        err /= (H / 7 + 1) * (W / 7 + 1);
        assertTrue(err < 2.0, "mean error " + err);
        BufferedImage preview = ImageIO.read(dir.resolve("out.preview.jpg").toFile());
        assertEquals(128, Math.max(preview.getWidth(), preview.getHeight()));
        assertEquals(o.previewWidth(), preview.getWidth());
        BufferedImage thumb = ImageIO.read(dir.resolve("out.thumb.jpg").toFile());
        assertEquals(32, Math.max(thumb.getWidth(), thumb.getHeight()));
        assertTrue(Files.size(dir.resolve("out.dream.jpg")) > 1000);
    }

    @Test
    void refusesAShardOfTheWrongSize() throws IOException {
        List<Shard> shards = grid();
        Map<Integer, byte[]> pngs = new HashMap<>();
        for (Shard s : shards) pngs.put(s.index(), shardPng(s, (x, y) -> 0));
        pngs.put(2, shardPng(new Shard(9, new Rect(0, 0, 10, 10), new Rect(0, 0, 10, 10), 1), (x, y) -> 0));
        Exception e = assertThrows(Exception.class, () -> blend(shards, pngs));
        assertTrue(String.valueOf(e.getMessage()).contains("shard 2 is"), e.getMessage());
    }

    @Test
    void aBrokenShardFailsTheStitchWithItsReason(@TempDir Path dir) throws IOException {
        List<Shard> shards = grid();
        Map<Integer, byte[]> pngs = new HashMap<>();
        for (Shard s : shards) pngs.put(s.index(), shardPng(s, (x, y) -> 1000));
        byte[] cut = java.util.Arrays.copyOf(pngs.get(2), pngs.get(2).length / 3);
        pngs.put(2, cut);
        Exception e = assertThrows(Exception.class, () -> Stitcher.stitch(W, H, shards,
                s -> new ByteArrayInputStream(pngs.get(s.index())), 90, null, dir.resolve("o.jpg"), dir.resolve("p.jpg"),
                dir.resolve("t.jpg"), 64, 16));
        String all = e + " " + e.getCause();
        assertTrue(all.contains("PNG"), all);
        assertFalse(Files.exists(dir.resolve("o.jpg")), "no partial output is left behind");
    }
}
