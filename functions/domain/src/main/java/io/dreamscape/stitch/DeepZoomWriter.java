package io.dreamscape.stitch;

import io.dreamscape.imaging.ImageEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a Deep Zoom (DZI) tile pyramid from rows that arrive once, top to bottom — the stitcher's output rows — so
 * it never holds the image: each level keeps a ring of {@code tileSize + 2·overlap} rows of its own width and one row
 * waiting for its partner (the next level is the 2×2 box average of this one). Memory is about
 * {@code 2 × 4 × (tileSize + 2·overlap + 1)} bytes per output column (≈ 2 KB/column at 254 + 1: 41 MB for a
 * 20000-pixel-wide image), whatever the height.
 *
 * <p>Layout (the DZI convention that OpenSeadragon, libvips {@code dzsave} and deepzoom.py share): the descriptor
 * {@code NAME.dzi} and tiles {@code NAME_files/{level}/{col}_{row}.{format}}; level {@code L = ceil(log2(max(w,h)))}
 * is full size, level {@code l} is {@code ceil(w / 2^(L-l))} wide, down to 1×1 at level 0. A tile covers
 * {@code tileSize} pixels plus {@code overlap} pixels on each side that has a neighbour.
 */
public final class DeepZoomWriter implements AutoCloseable {
    public static final int TILE_SIZE = 254;
    public static final int OVERLAP = 1;
    public static final int QUALITY = 88;

    private final int width;
    private final int height;
    private final int tileSize;
    private final int overlap;
    private final String format;
    private final int quality;
    private final Path filesDir;
    private final Level full;
    private final int maxLevel;
    private int rowsIn;
    private long tiles;

    /**
     * @param descriptor where {@code NAME.dzi} goes; the tiles go into {@code NAME_files/} beside it
     * @param format     {@code jpg} or {@code png}
     */
    public DeepZoomWriter(int width, int height, int tileSize, int overlap, String format, int quality, Path descriptor)
            throws IOException {
        if (width < 1 || height < 1) throw new IllegalArgumentException("empty image " + width + "×" + height);
        if (tileSize < 1 || overlap < 0 || overlap >= tileSize) {
            throw new IllegalArgumentException("tile size " + tileSize + " with overlap " + overlap);
        }
        if (!format.equals("jpg") && !format.equals("png")) throw new IllegalArgumentException("format " + format);
        this.width = width;
        this.height = height;
        this.tileSize = tileSize;
        this.overlap = overlap;
        this.format = format;
        this.quality = quality;
        this.maxLevel = maxLevel(width, height);
        String name = descriptor.getFileName().toString();
        if (!name.endsWith(".dzi")) throw new IllegalArgumentException("descriptor must end in .dzi: " + name);
        this.filesDir = descriptor.resolveSibling(name.substring(0, name.length() - 4) + "_files");
        Files.createDirectories(filesDir);
        Files.writeString(descriptor, descriptor(width, height, tileSize, overlap, format), StandardCharsets.UTF_8);
        this.full = new Level(maxLevel, width, height);
    }

    /** The default pyramid: 254-pixel JPEG tiles with a 1-pixel overlap, as libvips and deepzoom.py make them. */
    public static DeepZoomWriter jpeg(int width, int height, Path descriptor) throws IOException {
        return new DeepZoomWriter(width, height, TILE_SIZE, OVERLAP, "jpg", QUALITY, descriptor);
    }

    public static int maxLevel(int width, int height) {
        int max = Math.max(width, height);
        return max <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(max - 1);
    }

    public static String descriptor(int width, int height, int tileSize, int overlap, String format) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" Format=\"" + format + "\" Overlap=\""
                + overlap + "\" TileSize=\"" + tileSize + "\">\n  <Size Width=\"" + width + "\" Height=\"" + height
                + "\"/>\n</Image>\n";
    }

    /** Adds the next output row (packed 0xRRGGBB, {@code width} values); rows come top to bottom, once each. */
    public void addRow(int[] rgb) {
        if (rowsIn >= height) throw new IllegalStateException("all " + height + " rows were already added");
        if (rgb.length < width) throw new IllegalArgumentException("row has " + rgb.length + " pixels, not " + width);
        try {
            full.add(rgb);
            rowsIn++;
            if (rowsIn == height) {
                full.finish();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when every row arrived and every tile of every level is written. */
    public boolean finished() {
        return rowsIn == height;
    }

    public long tilesWritten() {
        return tiles;
    }

    public Path filesDirectory() {
        return filesDir;
    }

    @Override
    public void close() {
        // Nothing is held open between rows: tiles are written whole as soon as their last row arrives.
    }

    /** One level of the pyramid: a ring of recent rows for the tiles, and the pending even row for the next level. */
    private final class Level {
        final int level;
        final int w;
        final int h;
        final int[][] ring;
        int received;
        int nextTileRow;
        int[] evenRow;
        Level parent;

        Level(int level, int w, int h) {
            this.level = level;
            this.w = w;
            this.h = h;
            this.ring = new int[Math.min(h, tileSize + 2 * overlap)][];
        }

        void add(int[] row) throws IOException {
            int y = received++;
            int[] slot = ring[y % ring.length];
            if (slot == null) slot = ring[y % ring.length] = new int[w];
            System.arraycopy(row, 0, slot, 0, w);
            // Emit every tile row whose last row (bottom overlap included) has now arrived.
            while (nextTileRow * tileSize < h && Math.min(h, (nextTileRow + 1) * tileSize + overlap) - 1 == y) {
                writeTileRow(nextTileRow++);
            }
            if (level > 0) {
                if ((y & 1) == 0) {
                    if (evenRow == null) evenRow = new int[w];
                    System.arraycopy(row, 0, evenRow, 0, w);
                } else {
                    parent().add(halve(evenRow, row));
                }
            }
        }

        void finish() throws IOException {
            if (received != h) throw new IllegalStateException("level " + level + " got " + received + " of " + h + " rows");
            if (level > 0) {
                if ((h & 1) == 1) {
                    parent().add(halve(evenRow, evenRow));
                }
                parent().finish();
            }
        }

        private Level parent() {
            if (parent == null) parent = new Level(level - 1, (w + 1) / 2, (h + 1) / 2);
            return parent;
        }

        /** The 2×2 box average of two rows (a lone last column or row is averaged with itself). */
        private int[] halve(int[] a, int[] b) {
            int pw = (w + 1) / 2;
            int[] out = new int[pw];
            for (int x = 0; x < pw; x++) {
                int x0 = 2 * x;
                int x1 = Math.min(w - 1, x0 + 1);
                int p = a[x0], q = a[x1], r = b[x0], s = b[x1];
                int red = ((p >>> 16 & 0xff) + (q >>> 16 & 0xff) + (r >>> 16 & 0xff) + (s >>> 16 & 0xff) + 2) >> 2;
                int green = ((p >>> 8 & 0xff) + (q >>> 8 & 0xff) + (r >>> 8 & 0xff) + (s >>> 8 & 0xff) + 2) >> 2;
                int blue = ((p & 0xff) + (q & 0xff) + (r & 0xff) + (s & 0xff) + 2) >> 2;
                out[x] = red << 16 | green << 8 | blue;
            }
            return out;
        }

        private void writeTileRow(int row) throws IOException {
            int y0 = Math.max(0, row * tileSize - overlap);
            int y1 = Math.min(h, (row + 1) * tileSize + overlap);
            Path dir = Files.createDirectories(filesDir.resolve(Integer.toString(level)));
            for (int col = 0; col * tileSize < w; col++) {
                int x0 = Math.max(0, col * tileSize - overlap);
                int x1 = Math.min(w, (col + 1) * tileSize + overlap);
                BufferedImage tile = new BufferedImage(x1 - x0, y1 - y0, BufferedImage.TYPE_INT_RGB);
                for (int y = y0; y < y1; y++) {
                    tile.setRGB(0, y - y0, x1 - x0, 1, ring[y % ring.length], x0, w);
                }
                ImageEncoder.write(tile, dir.resolve(col + "_" + row + "." + format), quality, null);
                tiles++;
            }
        }
    }
}
