package io.dreamscape.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * A decoded image as displayed (EXIF orientation applied on the fly, without a rotated copy) whose samples are read
 * row by row as sRGB floats in [0,1]. 8- and 16-bit sources keep their precision; greyscale is replicated to RGB.
 */
public final class DecodedImage {
    private final BufferedImage raw;
    private final int orientation;
    private final int width;
    private final int height;
    private final int bands;
    private final float[] scale;
    private final int bitsPerSample;

    DecodedImage(BufferedImage raw, int orientation) {
        this.raw = raw;
        this.orientation = orientation;
        boolean swap = orientation >= 5 && orientation <= 8;
        this.width = swap ? raw.getHeight() : raw.getWidth();
        this.height = swap ? raw.getWidth() : raw.getHeight();
        Raster r = raw.getRaster();
        this.bands = r.getNumBands();
        this.scale = new float[bands];
        int maxBits = 0;
        for (int b = 0; b < bands; b++) {
            int bits = r.getSampleModel().getSampleSize(b);
            maxBits = Math.max(maxBits, bits);
            scale[b] = 1f / ((1L << bits) - 1);
        }
        this.bitsPerSample = maxBits;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int bitsPerSample() {
        return bitsPerSample;
    }

    /** Reads displayed row {@code y} into the three channel arrays (length ≥ width). */
    public void readRow(int y, float[] red, float[] green, float[] blue) {
        Raster r = raw.getRaster();
        int rw = raw.getWidth();
        int rh = raw.getHeight();
        int[] buf = new int[Math.max(rw, rh)];
        float[][] out = {red, green, blue};
        for (int c = 0; c < 3; c++) {
            int band = bands >= 3 ? c : 0;
            switch (orientation) {
                case 2, 3 -> r.getSamples(0, orientation == 2 ? y : rh - 1 - y, rw, 1, band, buf);
                case 4 -> r.getSamples(0, rh - 1 - y, rw, 1, band, buf);
                case 5, 8 -> r.getSamples(orientation == 5 ? y : rw - 1 - y, 0, 1, rh, band, buf);
                case 6, 7 -> r.getSamples(orientation == 6 ? y : rw - 1 - y, 0, 1, rh, band, buf);
                default -> r.getSamples(0, y, rw, 1, band, buf);
            }
            boolean reversed = orientation == 2 || orientation == 3 || orientation == 6 || orientation == 7;
            float s = scale[band];
            float[] o = out[c];
            for (int x = 0; x < width; x++) {
                o[x] = buf[reversed ? width - 1 - x : x] * s;
            }
        }
    }
}
