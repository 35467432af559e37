package io.dreamscape.imaging;

import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.MultiPixelPackedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.WritableRaster;

/**
 * A DataBuffer for a whole destination image that holds only a window of {@code windowRows} rows. An ImageIO reader
 * writes its decoded rows into the destination it is given (through the raster's sample model, one element at a time,
 * since this buffer is not one of the array-backed kinds); when a write lands below the window, the window's rows
 * are handed to {@link Flush} and the window moves down. The decoded image is thus never materialised: the reverse of
 * the lazy raster the engine encodes from.
 *
 * <p>This works for readers that write rows in order (several writes per row, e.g. TIFF tiles side by side, are fine
 * while they fit in the window). A write above the window (an interlaced PNG's second pass, a tiled TIFF whose tiles
 * are taller than the window) throws {@link NotSequential}: the caller then decodes the classic way; except where the
 * caller says that the reader's later passes rewrite whole rows (libjpeg's progressive passes), where the window
 * simply starts again there and the later rows overwrite the earlier ones downstream.
 */
final class RowWindowBuffer extends DataBuffer {
    /** Receives {@code rows} finished rows starting at destination row {@code firstRow}, as a raster at (0,0). */
    interface Flush {
        void rows(WritableRaster window, int firstRow, int rows);
    }

    /** The reader wrote above the window: this reader does not stream rows in order. */
    static final class NotSequential extends RuntimeException {
        NotSequential(String message) {
            super(message, null, false, false);
        }
    }

    private final SampleModel windowModel;
    private final int stride;
    private final int height;
    private final int windowRows;
    private final Flush flush;
    private final boolean passesRewriteWholeRows;
    private WritableRaster window;
    private DataBuffer data;
    private byte[][] bytes; // data's banks when it is a DataBufferByte, else null
    private short[][] shorts; // data's banks when it is a DataBufferUShort, else null
    private int start;
    private int lo; // first element of the window: start · stride
    private int hi; // one past its last element
    private boolean dirty;
    private boolean finished;

    /**
     * @param full the destination's sample model ({@code width}×{@code height}); its rows must be {@code stride} data
     *             elements apart in every bank, starting at element 0
     */
    RowWindowBuffer(SampleModel full, int windowRows, boolean passesRewriteWholeRows, Flush flush) {
        super(full.getDataType(), Math.toIntExact(Math.multiplyExact(rowStride(full), (long) full.getHeight())),
                banks(full));
        this.stride = Math.toIntExact(rowStride(full));
        this.height = full.getHeight();
        this.windowRows = Math.max(1, Math.min(windowRows, height));
        this.windowModel = full.createCompatibleSampleModel(full.getWidth(), this.windowRows);
        if (rowStride(windowModel) != stride) {
            throw new IllegalArgumentException("the window's rows are laid out unlike the image's");
        }
        this.flush = flush;
        this.passesRewriteWholeRows = passesRewriteWholeRows;
        newWindow();
    }

    private void newWindow() {
        window = Raster.createWritableRaster(windowModel, null);
        data = window.getDataBuffer();
        bytes = data instanceof DataBufferByte b ? b.getBankData() : null;
        shorts = data instanceof DataBufferUShort u ? u.getBankData() : null;
        bounds();
    }

    private void bounds() {
        lo = start * stride;
        hi = (int) Math.min(Integer.MAX_VALUE, (long) (start + windowRows) * stride);
    }

    /** The number of data elements from one row to the next, or -1 when the layout is not one this buffer knows. */
    static long rowStride(SampleModel sm) {
        if (sm instanceof ComponentSampleModel c) return c.getScanlineStride();
        if (sm instanceof SinglePixelPackedSampleModel s) return s.getScanlineStride();
        if (sm instanceof MultiPixelPackedSampleModel m && m.getDataBitOffset() == 0) return m.getScanlineStride();
        throw new IllegalArgumentException("unsupported sample model " + sm.getClass().getSimpleName());
    }

    private static int banks(SampleModel sm) {
        if (sm instanceof ComponentSampleModel c) {
            int max = 0;
            for (int b : c.getBankIndices()) max = Math.max(max, b);
            for (int o : c.getBandOffsets()) if (o >= c.getScanlineStride()) throw new IllegalArgumentException("band offset");
            return max + 1;
        }
        return 1;
    }

    /** Hands the last window over; call once the reader is done. */
    void finish() {
        if (finished) return;
        finished = true;
        lo = hi = -1; // every later access goes the slow way, and fails
        if (dirty) flushWindow();
    }

    private int local(int i) {
        if (i >= lo && i < hi) return i - lo; // the common case: no division per sample
        int row = i / stride;
        if (row < start && !passesRewriteWholeRows) {
            throw new NotSequential("the reader went back to row " + row + " after row " + (start - 1) + " was handed on");
        }
        if (row < start || row >= start + windowRows) { // below the window, or a new pass from the top
            if (finished) throw new NotSequential("write after the end");
            if (dirty) flushWindow();
            start = row;
            newWindow();
        }
        return i - start * stride;
    }

    private void flushWindow() {
        int rows = Math.min(windowRows, height - start);
        WritableRaster r = rows == windowRows ? window : window.createWritableChild(0, 0, window.getWidth(), rows, 0, 0, null);
        flush.rows(r, start, rows);
        dirty = false;
    }

    private boolean unwritten(int i) {
        int row = i / stride;
        if (row < start) throw new NotSequential("the reader read back row " + row + " after it was handed on");
        return row >= start + windowRows; // below the window: still all zero, as in a fresh image
    }

    @Override
    public int getElem(int bank, int i) {
        return unwritten(i) ? 0 : data.getElem(bank, local(i));
    }

    @Override
    public void setElem(int bank, int i, int val) {
        int l = local(i);
        // Straight into the window's arrays for the usual types: this runs once per decoded sample.
        if (bytes != null) {
            bytes[bank][l] = (byte) val;
        } else if (shorts != null) {
            shorts[bank][l] = (short) val;
        } else {
            data.setElem(bank, l, val);
        }
        dirty = true;
    }

    @Override
    public float getElemFloat(int bank, int i) {
        return unwritten(i) ? 0 : data.getElemFloat(bank, local(i));
    }

    @Override
    public void setElemFloat(int bank, int i, float val) {
        int l = local(i);
        data.setElemFloat(bank, l, val);
        dirty = true;
    }

    @Override
    public double getElemDouble(int bank, int i) {
        return unwritten(i) ? 0 : data.getElemDouble(bank, local(i));
    }

    @Override
    public void setElemDouble(int bank, int i, double val) {
        int l = local(i);
        data.setElemDouble(bank, l, val);
        dirty = true;
    }
}
