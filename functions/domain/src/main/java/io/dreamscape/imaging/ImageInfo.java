package io.dreamscape.imaging;

/**
 * What the header says: format, stored size, EXIF orientation (1-8; 5-8 swap width and height), bits per sample.
 * Dreamscape works on the image as displayed, so the oriented size is the size of every output.
 */
public record ImageInfo(ImageFormat format, int width, int height, int orientation, int bitsPerSample) {

    public boolean swapsAxes() {
        return orientation >= 5 && orientation <= 8;
    }

    public int orientedWidth() {
        return swapsAxes() ? height : width;
    }

    public int orientedHeight() {
        return swapsAxes() ? width : height;
    }

    public long pixels() {
        return (long) width * height;
    }
}
