package io.dreamscape.engine.storage;

import io.dreamscape.imaging.DecodedImage;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.nio.file.Path;

/** Conversions between decoded images and the engine's float storage, one row at a time. */
public final class ImagePlanes {
    private ImagePlanes() {
    }

    public static FloatPlanes load(DecodedImage img, Path scratch) {
        FloatPlanes p = FloatPlanes.create(img.width(), img.height(), scratch);
        float[] r = new float[img.width()];
        float[] g = new float[img.width()];
        float[] b = new float[img.width()];
        for (int y = 0; y < img.height(); y++) {
            img.readRow(y, r, g, b);
            p.putRow(0, y, r);
            p.putRow(1, y, g);
            p.putRow(2, y, b);
        }
        return p;
    }

    /** An sRGB image with 8 bits per sample, or 16 where {@code sixteenBit} (for PNG/TIFF output of 16-bit input). */
    public static BufferedImage toImage(FloatPlanes p, boolean sixteenBit) {
        int w = p.width();
        int h = p.height();
        BufferedImage out;
        if (sixteenBit) {
            ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                    Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
            out = new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null);
        } else {
            out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        }
        WritableRaster raster = out.getRaster();
        float max = sixteenBit ? 65535f : 255f;
        float[] row = new float[w];
        int[] samples = new int[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                p.getRow(c, y, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x];
                    samples[x] = Math.round((v < 0 ? 0 : Math.min(v, 1f)) * max);
                }
                raster.setSamples(0, y, w, 1, c, samples);
            }
        }
        return out;
    }
}
