package io.dreamscape.engine.storage;

import io.dreamscape.imaging.DecodedImage;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BandedSampleModel;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.file.Path;

/** Conversions between decoded images and the engine's float storage, one row at a time. */
public final class ImagePlanes {
    private ImagePlanes() {
    }

    public static FloatPlanes load(DecodedImage img, Path scratch) {
        return load(img, 0, 0, img.width(), img.height(), scratch);
    }

    /** The rectangle at ({@code x}, {@code y}) of size {@code w}×{@code h} of the displayed image (a shard's halo). */
    public static FloatPlanes load(DecodedImage img, int x, int y, int w, int h, Path scratch) {
        FloatPlanes p = FloatPlanes.create(w, h, scratch);
        float[][] rows = {new float[img.width()], new float[img.width()], new float[img.width()]};
        for (int row = 0; row < h; row++) {
            img.readRow(y + row, rows[0], rows[1], rows[2]);
            for (int c = 0; c < 3; c++) p.put(c, row, 0, rows[c], x, w);
        }
        return p;
    }

    /** A sample in [0,1] (clipped) as an integer of {@code max} levels: 255 for 8 bits, 65535 for 16. */
    public static int quantize(float v, float max) {
        return Math.round((v < 0 ? 0 : Math.min(v, 1f)) * max);
    }

    /**
     * An sRGB image with 8 bits per sample, or 16 where {@code sixteenBit} (for PNG/TIFF output of 16-bit input),
     * whose pixels are read from the planes on demand as an encoder asks for them: writing a 100-megapixel result
     * costs no 300 MB pixel copy on the heap.
     */
    public static BufferedImage toImage(FloatPlanes p, boolean sixteenBit) {
        int w = p.width();
        int h = p.height();
        int type = sixteenBit ? DataBuffer.TYPE_USHORT : DataBuffer.TYPE_BYTE;
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, type);
        BandedSampleModel sm = new BandedSampleModel(type, w, h, 3);
        WritableRaster raster = Raster.createWritableRaster(sm, new PlanesDataBuffer(p, type, sixteenBit ? 65535f : 255f), null);
        return new BufferedImage(cm, raster, false, null);
    }

    /**
     * A plain in-memory copy of such an image, for encoders that insist on array-backed single-bank rasters
     * (TwelveMonkeys' TIFF writer): costs the pixel copy that {@link #toImage} avoids.
     */
    public static BufferedImage materialize(BufferedImage lazy) {
        ComponentColorModel cm = (ComponentColorModel) lazy.getColorModel();
        WritableRaster copy = cm.createCompatibleWritableRaster(lazy.getWidth(), lazy.getHeight());
        copy.setRect(lazy.getRaster());
        return new BufferedImage(cm, copy, false, null);
    }

    /** A read-only DataBuffer whose bank c is channel c of the planes, quantised on read. */
    private static final class PlanesDataBuffer extends DataBuffer {
        private final FloatPlanes planes;
        private final int width;
        private final float max;

        PlanesDataBuffer(FloatPlanes planes, int type, float max) {
            super(type, Math.toIntExact(planes.pixels()), 3);
            this.planes = planes;
            this.width = planes.width();
            this.max = max;
        }

        @Override
        public int getElem(int bank, int i) {
            return quantize(planes.get(bank, i / width, i % width), max);
        }

        @Override
        public void setElem(int bank, int i, int val) {
            throw new UnsupportedOperationException("the dreamed image is read-only here");
        }
    }
}
