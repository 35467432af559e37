package io.dreamscape.stitch;

import io.dreamscape.imaging.ImageEncoder;
import io.dreamscape.job.Shard;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;

/**
 * Stitches shard results into the output with a feathered blend, streaming: output rows are computed in order as
 * the JPEG encoder asks for them, each from the shard rows that cover it, so memory holds a few rows of the output,
 * one row per open shard and the preview, never the whole image. The preview (long side ≤ {@code previewSide}) is
 * box-filtered from the same rows; the thumbnail is scaled from the preview.
 */
public final class Stitcher {
    /** Opens a shard's PNG; the stream is closed (and may be deleted) as soon as its last row is used. */
    public interface ShardOpener {
        InputStream open(Shard shard) throws IOException;
    }

    public record Outputs(int width, int height, int previewWidth, int previewHeight, int thumbWidth, int thumbHeight) {
    }

    private Stitcher() {
    }

    public static Outputs stitch(int width, int height, List<Shard> shards, ShardOpener opener, int quality,
                                 byte[] exif, Path output, Path preview, Path thumb, int previewSide, int thumbSide)
            throws IOException {
        return stitch(width, height, shards, opener, quality, exif, output, preview, thumb, previewSide, thumbSide, null);
    }

    /** Also hands every output row, in order, to {@code rows} (e.g. a {@link DeepZoomWriter}); null for none. */
    public static Outputs stitch(int width, int height, List<Shard> shards, ShardOpener opener, int quality,
                                 byte[] exif, Path output, Path preview, Path thumb, int previewSide, int thumbSide,
                                 java.util.function.Consumer<int[]> rows) throws IOException {
        RowBlender blender = new RowBlender(width, height, shards, opener);
        PreviewAccumulator acc = new PreviewAccumulator(width, height, previewSide);
        BufferedImage lazy = rowStreamImage(width, height, y -> {
            int[] row = blender.row(y);
            acc.add(y, row);
            if (rows != null) rows.accept(row);
            return row;
        });
        try {
            ImageEncoder.write(lazy, output, quality, exif);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            blender.close();
        }
        if (!blender.finished()) {
            throw new IOException("the encoder stopped at row " + blender.nextRow + " of " + height);
        }
        BufferedImage p = acc.image();
        ImageEncoder.write(p, preview, Math.min(quality, 90), exif);
        BufferedImage t = scale(p, thumbSide);
        ImageEncoder.write(t, thumb, 85, null);
        return new Outputs(width, height, p.getWidth(), p.getHeight(), t.getWidth(), t.getHeight());
    }

    /** Long side at most {@code side}, area-averaged. */
    static BufferedImage scale(BufferedImage src, int side) {
        double s = Math.min(1.0, side / (double) Math.max(src.getWidth(), src.getHeight()));
        int w = Math.max(1, (int) Math.round(src.getWidth() * s));
        int h = Math.max(1, (int) Math.round(src.getHeight() * s));
        if (w == src.getWidth() && h == src.getHeight()) {
            return src;
        }
        Image scaled = src.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(scaled, 0, 0, null);
        g.dispose();
        return out;
    }

    interface RowSource {
        int[] row(int y);
    }

    /**
     * A TYPE_INT_RGB-compatible image whose pixels are produced on demand, row by row, in order (what the JPEG
     * writer does). A small window of recent rows is kept for re-reads; going further back fails loudly.
     */
    static BufferedImage rowStreamImage(int width, int height, RowSource source) {
        if ((long) width * height > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("outputs above 2^31 pixels are not supported");
        }
        int[] masks = {0xff0000, 0xff00, 0xff};
        DirectColorModel cm = new DirectColorModel(24, masks[0], masks[1], masks[2]);
        SinglePixelPackedSampleModel sm = new SinglePixelPackedSampleModel(DataBuffer.TYPE_INT, width, height, masks);
        WritableRaster raster = Raster.createWritableRaster(sm, new RowDataBuffer(width, height, source), null);
        return new BufferedImage(cm, raster, false, new Hashtable<>());
    }

    private static final class RowDataBuffer extends DataBuffer {
        private static final int WINDOW = 16;
        private final int width;
        private final RowSource source;
        private final int[][] rows = new int[WINDOW][];
        private int produced = -1;

        RowDataBuffer(int width, int height, RowSource source) {
            super(TYPE_INT, width * height);
            this.width = width;
            this.source = source;
        }

        @Override
        public int getElem(int bank, int i) {
            int y = i / width;
            if (y > produced) {
                while (produced < y) {
                    produced++;
                    rows[produced % WINDOW] = source.row(produced);
                }
            } else if (y <= produced - WINDOW) {
                throw new IllegalStateException("row " + y + " was already streamed out (at row " + produced + ")");
            }
            return rows[y % WINDOW][i - y * width];
        }

        @Override
        public void setElem(int bank, int i, int val) {
            throw new UnsupportedOperationException("the stitched image is read-only");
        }
    }

    /** Computes output rows in order from the shards that cover them. */
    static final class RowBlender implements AutoCloseable {
        private final int width;
        private final int height;
        private final List<Shard> pending;
        private final List<Open> open = new ArrayList<>();
        private final ShardOpener opener;
        private final float[] acc;
        private final float[] weight;
        private final int[] out;
        int nextRow;

        private static final class Open {
            final Shard shard;
            final PngRowReader reader;
            final float[] wx;
            final float[] wy;
            final int[] samples;

            Open(Shard shard, PngRowReader reader) {
                this.shard = shard;
                this.reader = reader;
                this.wx = Feather.horizontal(shard.core(), shard.halo());
                this.wy = Feather.vertical(shard.core(), shard.halo());
                this.samples = new int[3 * shard.halo().width()];
            }
        }

        RowBlender(int width, int height, List<Shard> shards, ShardOpener opener) {
            this.width = width;
            this.height = height;
            this.opener = opener;
            this.pending = new ArrayList<>(shards);
            this.pending.sort(Comparator.comparingInt((Shard s) -> s.halo().y()).thenComparingInt(s -> s.halo().x()));
            this.acc = new float[3 * width];
            this.weight = new float[width];
            this.out = new int[width];
        }

        boolean finished() {
            return nextRow == height;
        }

        int[] row(int y) {
            if (y != nextRow) {
                throw new IllegalStateException("rows are produced in order: asked " + y + ", next is " + nextRow);
            }
            try {
                while (!pending.isEmpty() && pending.get(0).halo().y() <= y) {
                    Shard s = pending.remove(0);
                    PngRowReader r = new PngRowReader(opener.open(s));
                    if (r.width() != s.halo().width() || r.height() != s.halo().height()) {
                        r.close();
                        throw new IOException("shard " + s.index() + " is " + r.width() + "×" + r.height()
                                + " but its halo rectangle is " + s.halo().width() + "×" + s.halo().height());
                    }
                    open.add(new Open(s, r));
                }
                java.util.Arrays.fill(acc, 0f);
                java.util.Arrays.fill(weight, 0f);
                for (var it = open.iterator(); it.hasNext(); ) {
                    Open o = it.next();
                    o.reader.readRow(o.samples);
                    float wy = o.wy[y - o.shard.halo().y()];
                    int x0 = o.shard.halo().x();
                    for (int i = 0; i < o.wx.length; i++) {
                        float w = o.wx[i] * wy;
                        int x = x0 + i;
                        acc[3 * x] += w * o.samples[3 * i];
                        acc[3 * x + 1] += w * o.samples[3 * i + 1];
                        acc[3 * x + 2] += w * o.samples[3 * i + 2];
                        weight[x] += w;
                    }
                    if (y + 1 >= o.shard.halo().bottom()) {
                        o.reader.close();
                        it.remove();
                    }
                }
                for (int x = 0; x < width; x++) {
                    float w = weight[x];
                    if (!(w > 0)) {
                        throw new IOException("pixel (" + x + "," + y + ") is covered by no shard");
                    }
                    int r = to8(acc[3 * x] / w);
                    int g = to8(acc[3 * x + 1] / w);
                    int b = to8(acc[3 * x + 2] / w);
                    out[x] = r << 16 | g << 8 | b;
                }
                nextRow++;
                return out.clone();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static int to8(float v16) {
            int v = Math.round(v16 / 257f);
            return v < 0 ? 0 : Math.min(255, v);
        }

        @Override
        public void close() throws IOException {
            for (Open o : open) {
                o.reader.close();
            }
            open.clear();
        }
    }

    /** Box-filters the streamed rows into the preview. */
    static final class PreviewAccumulator {
        private final int width;
        private final int height;
        private final int pw;
        private final int ph;
        private final BufferedImage image;
        private final long[] sums;
        private final int[] counts;
        private final int[] column;
        private int currentRow = 0;

        PreviewAccumulator(int width, int height, int side) {
            this.width = width;
            this.height = height;
            double s = Math.min(1.0, side / (double) Math.max(width, height));
            pw = Math.max(1, (int) Math.round(width * s));
            ph = Math.max(1, (int) Math.round(height * s));
            image = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
            sums = new long[3 * pw];
            counts = new int[pw];
            column = new int[width];
            for (int x = 0; x < width; x++) {
                column[x] = (int) ((long) x * pw / width);
            }
        }

        void add(int y, int[] row) {
            int py = (int) ((long) y * ph / height);
            if (py != currentRow) {
                flush();
                currentRow = py;
            }
            for (int x = 0; x < width; x++) {
                int c = column[x];
                int v = row[x];
                sums[3 * c] += v >>> 16 & 0xff;
                sums[3 * c + 1] += v >>> 8 & 0xff;
                sums[3 * c + 2] += v & 0xff;
                counts[c]++;
            }
            if (y == height - 1) {
                flush();
            }
        }

        private void flush() {
            for (int c = 0; c < pw; c++) {
                int n = Math.max(1, counts[c]);
                int r = (int) ((sums[3 * c] + n / 2) / n);
                int g = (int) ((sums[3 * c + 1] + n / 2) / n);
                int b = (int) ((sums[3 * c + 2] + n / 2) / n);
                image.setRGB(c, currentRow, r << 16 | g << 8 | b);
            }
            java.util.Arrays.fill(sums, 0);
            java.util.Arrays.fill(counts, 0);
        }

        BufferedImage image() {
            return image;
        }
    }
}
