package io.dreamscape.service;

import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.PixelSink;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.Plan;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.stitch.DeepZoomWriter;
import java.awt.Rectangle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * The "before" of the viewer's before/after slider: a DZI pyramid of the source as the dream saw it (orientation
 * applied, sRGB), beside the result's ({@link StorageLayout#sourceOutputKey}). The source is decoded by the streaming
 * {@link RegionDecoder} (bit-identical to the classic decode) into a strip of at most {@link #STRIP_BYTES} of 8-bit
 * rows that is handed to the {@link DeepZoomWriter} top to bottom, so no size limit applies beyond the plan's own (the
 * service pixel limit was checked when the job was planned). A failure costs only the slider, never the job.
 */
final class SourcePyramid {
    /** One strip of displayed rows, 3 bytes per pixel: 48 MB (a 16,000-px-wide image gets 1,000-row strips). */
    static final long STRIP_BYTES = 48L << 20;

    private SourcePyramid() {
    }

    /** @return the tiles put */
    static int write(ObjectStore objects, Plan plan, String outputKey, Path dir) throws IOException {
        Path src = dir.resolve("source-image");
        try (InputStream in = objects.open(plan.source().key(), plan.source().versionId())) {
            Files.copy(in, src, StandardCopyOption.REPLACE_EXISTING);
        }
        String sourceKey = StorageLayout.sourceOutputKey(outputKey);
        Path dzi = dir.resolve("source.dzi");
        try {
            DeepZoomWriter zoom = pyramid(src, plan.width(), plan.height(), dzi, STRIP_BYTES);
            Files.deleteIfExists(src);
            return DeepZoomUpload.put(objects, dzi, zoom.filesDirectory(), sourceKey);
        } finally {
            Files.deleteIfExists(src);
        }
    }

    /** Writes the pyramid of {@code src} (which must display as {@code width}×{@code height}) to {@code dzi}. */
    static DeepZoomWriter pyramid(Path src, int width, int height, Path dzi, long stripBytes) throws IOException {
        // The probe's limit is the plan's size: a source that decodes larger than planned is refused before decoding.
        ImageInfo info = RegionDecoder.probe(src, (long) width * height);
        if (info.orientedWidth() != width || info.orientedHeight() != height) {
            throw new IOException("the source decodes to " + info.orientedWidth() + "×" + info.orientedHeight()
                    + ", the plan says " + width + "×" + height);
        }
        DeepZoomWriter zoom = DeepZoomWriter.jpeg(width, height, dzi);
        rows(src, info, stripBytes, zoom::addRow);
        if (!zoom.finished()) {
            throw new IOException("the source pyramid did not receive all " + height + " rows");
        }
        return zoom;
    }

    /**
     * Hands every displayed row of {@code src} to {@code rows}, top to bottom, as packed 8-bit RGB. Orientations whose
     * stored rows are displayed rows in order (1, 2) take one decode; the others (flipped or transposed) deliver rows
     * bottom-up or as columns, so each strip is decoded on its own (more decode time, same memory).
     * @return the number of decodes
     */
    static int rows(Path src, ImageInfo info, long stripBytes, Consumer<int[]> rows) throws IOException {
        int w = info.orientedWidth();
        int h = info.orientedHeight();
        int stripRows = (int) Math.max(1, Math.min(h, stripBytes / (3L * w)));
        Strip strip = new Strip(w, h, stripRows, rows);
        boolean inOrder = info.orientation() <= 2;
        if (inOrder) {
            strip.streaming = true;
            RegionDecoder.decode(src, info, new Rectangle(0, 0, w, h), strip);
            strip.flush();
            return 1;
        }
        int decodes = 0;
        for (int y0 = 0; y0 < h; y0 += stripRows) {
            int n = Math.min(stripRows, h - y0);
            strip.start(y0);
            RegionDecoder.decode(src, info, new Rectangle(0, y0, w, n), strip);
            strip.flush();
            decodes++;
        }
        return decodes;
    }

    /** The displayed rows [y0, y0 + rows) as 8-bit samples, one plane per channel. */
    private static final class Strip implements PixelSink {
        private final int width;
        private final int height;
        private final int rows;
        private final byte[][] planes;
        private final Consumer<int[]> out;
        private final int[] row;
        /** Rows arrive in order from one decode of the whole image (relative to y0 = 0), so the strip moves on. */
        boolean streaming;
        private int y0;
        private int emitted;

        Strip(int width, int height, int rows, Consumer<int[]> out) {
            this.width = width;
            this.height = height;
            this.rows = rows;
            this.planes = new byte[3][rows * width];
            this.out = out;
            this.row = new int[width];
        }

        void start(int firstRow) {
            y0 = firstRow;
        }

        @Override
        public void put(int c, int y, int x, float[] src, int off, int len) {
            int dy = streaming ? y : y0 + y;
            if (streaming && dy >= y0 + rows) {
                flush();
                y0 += rows;
            }
            if (dy < y0 || dy >= y0 + rows) {
                throw new IllegalStateException("row " + dy + " arrived outside the strip at " + y0);
            }
            byte[] p = planes[c];
            int base = (dy - y0) * width + x;
            for (int i = 0; i < len; i++) {
                float v = src[off + i];
                p[base + i] = (byte) Math.round((v < 0 ? 0 : Math.min(v, 1f)) * 255f);
            }
        }

        /** Emits the strip's rows not emitted yet. */
        void flush() {
            int end = Math.min(y0 + rows, height);
            for (int y = Math.max(y0, emitted); y < end; y++) {
                int base = (y - y0) * width;
                for (int x = 0; x < width; x++) {
                    row[x] = (planes[0][base + x] & 0xff) << 16 | (planes[1][base + x] & 0xff) << 8
                            | (planes[2][base + x] & 0xff);
                }
                out.accept(row);
            }
            emitted = Math.max(emitted, end);
        }
    }
}
