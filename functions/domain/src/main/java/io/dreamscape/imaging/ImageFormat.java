package io.dreamscape.imaging;

import java.util.Locale;
import java.util.Optional;

/** The formats Dreamscape reads and writes. Input is recognised by its magic bytes, never by its file name. */
public enum ImageFormat {
    JPEG("jpeg"), PNG("png"), TIFF("tiff");

    private final String imageIoName;

    ImageFormat(String imageIoName) {
        this.imageIoName = imageIoName;
    }

    public String imageIoName() {
        return imageIoName;
    }

    public static Optional<ImageFormat> sniff(byte[] head) {
        if (head.length >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF) {
            return Optional.of(JPEG);
        }
        if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                && head[4] == 0x0D && head[5] == 0x0A && head[6] == 0x1A && head[7] == 0x0A) {
            return Optional.of(PNG);
        }
        if (head.length >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0)
                || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42))) {
            return Optional.of(TIFF);
        }
        return Optional.empty();
    }

    /** The output format named by a file's extension. */
    public static ImageFormat forFileName(String fileName) throws ImageException {
        String n = fileName.toLowerCase(Locale.ROOT);
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) return JPEG;
        if (n.endsWith(".png")) return PNG;
        if (n.endsWith(".tif") || n.endsWith(".tiff")) return TIFF;
        throw new ImageException("cannot tell the output format of '" + fileName + "': use a .jpg, .png or .tif name");
    }
}
