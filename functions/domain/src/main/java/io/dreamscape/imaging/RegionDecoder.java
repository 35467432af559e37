package io.dreamscape.imaging;

import java.awt.Rectangle;
import java.awt.image.BandedSampleModel;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a rectangle of an image as displayed (EXIF orientation applied) straight into a {@link PixelSink}, one
 * window of rows at a time, without ever holding the decoded image: the reader is given a destination image whose
 * {@link RowWindowBuffer} keeps a few rows and hands them on as they are finished; the reader's source region limits
 * the decode to the stored rectangle under the displayed one (JPEG and PNG still read, and decode, the rows above it;
 * TIFF skips to the strips or tiles it needs). Samples are converted exactly as {@link ImageDecoder}/{@link DecodedImage}
 * convert them (same colour conversion, same arithmetic), so a streamed decode equals the classic one bit for bit.
 *
 * <p>Readers that do not write their rows in order (interlaced PNG, some tiled TIFFs) are detected by the buffer and
 * decoded the classic way instead ({@link Result#streamed()} is then false): correct, but with the whole decoded image
 * on the heap for a while.
 */
public final class RegionDecoder {
    /** Raw bytes of one window of rows the reader writes into (the float conversion adds 4× that, briefly). */
    static final long WINDOW_BYTES = 4L << 20;
    private static final int MIN_WINDOW_ROWS = 8;

    private RegionDecoder() {
    }

    /** What a decode did: the decoded samples' precision (8 or 16; as {@link DecodedImage#bitsPerSample()}), and how. */
    public record Result(int bitsPerSample, boolean streamed) {
    }

    /** The header, checked against the pixel limit before any pixel is decoded. */
    public static ImageInfo probe(Path file, long maxPixels) throws ImageException {
        ImageInfo info = ImageProbe.probe(file);
        ImageProbe.checkLimit(info, maxPixels);
        return info;
    }

    /**
     * Decodes {@code displayed} (in the coordinates of the image as displayed, within its
     * {@link ImageInfo#orientedWidth()}×{@link ImageInfo#orientedHeight()}) into {@code sink}, at coordinates relative
     * to the rectangle's corner. {@code info} comes from {@link #probe}.
     */
    public static Result decode(Path file, ImageInfo info, Rectangle displayed, PixelSink sink) throws ImageException {
        return decode(file, info, displayed, sink, WINDOW_BYTES, Integer.MAX_VALUE);
    }

    /**
     * As above with a window of about {@code windowBytes} (at least 8 rows) and the largest array a destination
     * layout may need before it is split into one bank per band: tests use tiny ones.
     */
    static Result decode(Path file, ImageInfo info, Rectangle displayed, PixelSink sink, long windowBytes,
                         long maxArrayElements) throws ImageException {
        Rectangle all = new Rectangle(0, 0, info.orientedWidth(), info.orientedHeight());
        if (displayed.isEmpty() || !all.contains(displayed)) {
            throw new IllegalArgumentException("region " + displayed + " is not inside the " + all.width + "×"
                    + all.height + " image");
        }
        try {
            return new Result(stream(file, info, displayed, sink, windowBytes, maxArrayElements), true);
        } catch (RowWindowBuffer.NotSequential | UnsupportedLayout e) {
            return new Result(classic(file, info, displayed, sink), false);
        }
    }

    /** The reader's layout cannot be windowed (an unusual sample model): decode the classic way. */
    private static final class UnsupportedLayout extends RuntimeException {
        UnsupportedLayout(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private static int stream(Path file, ImageInfo info, Rectangle displayed, PixelSink sink, long windowBytes,
                              long maxArrayElements) throws ImageException {
        Orientation o = new Orientation(info.orientation(), info.width(), info.height());
        Rectangle stored = o.storedRegion(displayed);
        List<String> warnings = new ArrayList<>();
        RowWriter writer = new RowWriter(o, stored, displayed, sink);
        try (ImageInputStream iis = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageProbe.readerFor(info.format(), iis);
            try {
                reader.setInput(iis, true, true);
                reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> warnings.add(warning));
                ImageReadParam param = reader.getDefaultReadParam();
                if (stored.width != info.width() || stored.height != info.height()) param.setSourceRegion(stored);
                // The type the reader would create itself (ImageReader.getDestination takes the first), so that it
                // makes the same colour decisions as in a classic decode.
                Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
                ImageTypeSpecifier type = types.next();
                ColorModel cm = type.getColorModel();
                writer.model(cm);
                SampleModel sm = layout(type, cm, stored.width, stored.height, maxArrayElements);
                RowWindowBuffer buffer;
                try {
                    // libjpeg shows a progressive JPEG once per pass, each pass whole rows from the top: the later
                    // pass's rows overwrite the earlier's. (An interlaced PNG's passes write parts of rows: no.)
                    boolean passesRewriteWholeRows = info.format() == ImageFormat.JPEG;
                    buffer = new RowWindowBuffer(sm, windowRows(reader, sm, windowBytes), passesRewriteWholeRows,
                            writer::rows);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw new UnsupportedLayout(e);
                }
                WritableRaster raster = Raster.createWritableRaster(sm, buffer, null);
                param.setDestination(new BufferedImage(cm, raster, cm.isAlphaPremultiplied(), null));
                reader.read(0, param);
                buffer.finish();
            } finally {
                reader.dispose();
            }
        } catch (RowWindowBuffer.NotSequential | UnsupportedLayout e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            RuntimeException nested = nestedFallback(e);
            if (nested != null) throw nested;
            throw ImageDecoder.failure(file, info, e);
        }
        ImageDecoder.checkWarnings(file, warnings);
        if (writer.rowsWritten() < stored.height) {
            throw new ImageException("cannot decode " + file.getFileName() + ": the reader gave " + writer.rowsWritten()
                    + " of " + stored.height + " rows", true, null);
        }
        return writer.bitsPerSample();
    }

    /** A NotSequential that a reader wrapped in its own exception (some wrap what a raster throws). */
    private static RuntimeException nestedFallback(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof RowWindowBuffer.NotSequential n) return n;
        }
        return null;
    }

    /**
     * The reader's own sample model for the region, unless its one array would exceed 2³¹ elements (an interleaved
     * RGB image over 715 megapixels): then one bank per band, which the reader fills the same way.
     */
    private static SampleModel layout(ImageTypeSpecifier type, ColorModel cm, int w, int h, long maxArrayElements) {
        int bands = cm.getNumComponents();
        if (cm instanceof ComponentColorModel && (long) w * h * bands > maxArrayElements && bands > 1
                && (long) w * h <= Integer.MAX_VALUE) {
            return new BandedSampleModel(cm.getTransferType(), w, h, bands);
        }
        try {
            return type.getSampleModel(w, h);
        } catch (IllegalArgumentException | ArithmeticException | NegativeArraySizeException e) {
            throw new UnsupportedLayout(e);
        }
    }

    /** About {@link #WINDOW_BYTES} of rows, but at least a tile's height, so that tiles side by side fit in one window. */
    private static int windowRows(ImageReader reader, SampleModel sm, long windowBytes) throws IOException {
        long banks = sm instanceof java.awt.image.ComponentSampleModel c
                ? java.util.Arrays.stream(c.getBankIndices()).distinct().count() : 1;
        long bytesPerRow = Math.max(1, RowWindowBuffer.rowStride(sm) * banks
                * Math.max(1, DataBuffer.getDataTypeSize(sm.getDataType()) / 8));
        int rows = (int) Math.max(MIN_WINDOW_ROWS, Math.min(Integer.MAX_VALUE, windowBytes / bytesPerRow));
        try {
            if (reader.isImageTiled(0)) rows = Math.max(rows, reader.getTileHeight(0));
        } catch (IOException | RuntimeException ignored) {
            // a reader that cannot say: the window falls back if it is too small
        }
        return rows;
    }

    /** Copies the rectangle from a classic (whole image on the heap) decode: the fallback. */
    private static int classic(Path file, ImageInfo info, Rectangle displayed, PixelSink sink) throws ImageException {
        DecodedImage img = new DecodedImage(ImageDecoder.readSrgb(file, info), info.orientation());
        float[][] rows = {new float[img.width()], new float[img.width()], new float[img.width()]};
        for (int y = 0; y < displayed.height; y++) {
            img.readRow(displayed.y + y, rows[0], rows[1], rows[2]);
            for (int c = 0; c < 3; c++) sink.put(c, y, 0, rows[c], displayed.x, displayed.width);
        }
        return img.bitsPerSample();
    }

    /** Converts finished windows of stored rows to sRGB floats and writes them where they are displayed. */
    private static final class RowWriter {
        private final Orientation o;
        private final Rectangle stored;
        private final Rectangle displayed;
        private final PixelSink sink;
        private int rowsWritten;
        private int bits = -1;

        RowWriter(Orientation o, Rectangle stored, Rectangle displayed, PixelSink sink) {
            this.o = o;
            this.stored = stored;
            this.displayed = displayed;
            this.sink = sink;
        }

        int rowsWritten() {
            return rowsWritten;
        }

        int bitsPerSample() {
            return bits;
        }

        void rows(WritableRaster window, int firstRow, int count) {
            ColorModel cm = currentModel;
            BufferedImage srgb = ImageDecoder.toSrgbCompatible(new BufferedImage(cm, window, cm.isAlphaPremultiplied(), null));
            Raster r = srgb.getRaster();
            int bands = r.getNumBands();
            float[] scale = new float[bands];
            int maxBits = 0;
            for (int b = 0; b < bands; b++) {
                int size = r.getSampleModel().getSampleSize(b);
                maxBits = Math.max(maxBits, size);
                scale[b] = 1f / ((1L << size) - 1);
            }
            bits = maxBits;
            int w = stored.width;
            int[] buf = new int[w];
            if (!o.transposes()) {
                float[] out = new float[w];
                boolean reversed = o.tag() == 2 || o.tag() == 3;
                for (int j = 0; j < count; j++) {
                    int sy = stored.y + firstRow + j;
                    int dy = o.displayedY(stored.x, sy) - displayed.y;
                    int dx = o.displayedX(reversed ? stored.x + w - 1 : stored.x, sy) - displayed.x;
                    for (int c = 0; c < 3; c++) {
                        int band = bands >= 3 ? c : 0;
                        r.getSamples(0, j, w, 1, band, buf);
                        float s = scale[band];
                        for (int x = 0; x < w; x++) out[x] = buf[reversed ? w - 1 - x : x] * s;
                        sink.put(c, dy, dx, out, 0, w);
                    }
                }
            } else {
                // Stored rows are displayed columns: gather the window column by column into runs along a displayed row.
                boolean reversed = o.tag() == 6 || o.tag() == 7;
                float[] run = new float[count];
                float[] col = new float[count];
                for (int c = 0; c < 3; c++) {
                    int band = bands >= 3 ? c : 0;
                    float s = scale[band];
                    int[] block = r.getSamples(0, 0, w, count, band, (int[]) null);
                    for (int x = 0; x < w; x++) {
                        for (int j = 0; j < count; j++) col[j] = block[j * w + x] * s;
                        for (int j = 0; j < count; j++) run[j] = col[reversed ? count - 1 - j : j];
                        int sx = stored.x + x;
                        int sy0 = stored.y + firstRow;
                        int dy = o.displayedY(sx, sy0) - displayed.y;
                        int dx = o.displayedX(sx, reversed ? sy0 + count - 1 : sy0) - displayed.x;
                        sink.put(c, dy, dx, run, 0, count);
                    }
                }
            }
            rowsWritten += count;
        }

        /** The colour model of the reader's destination: known once the reader has said what it produces. */
        void model(ColorModel cm) {
            currentModel = cm;
        }

        private ColorModel currentModel;
    }
}
