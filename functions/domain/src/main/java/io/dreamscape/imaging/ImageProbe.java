package io.dreamscape.imaging;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads an image's header without decoding its pixels, so that a decompression bomb (a small file claiming
 * 70000×70000 pixels) is refused before any memory is spent on it. Works on a prefix of the file (an S3 ranged GET).
 */
public final class ImageProbe {
    /** Bytes read from a local file for the probe: covers EXIF, ICC and thumbnails in front of a JPEG's frame header. */
    public static final int HEAD_BYTES = 1 << 20;

    private ImageProbe() {
    }

    public static ImageInfo probe(Path file) throws ImageException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD_BYTES);
        } catch (IOException e) {
            throw new ImageException("cannot read " + file + ": " + e.getMessage(), false, e);
        }
        try {
            return probe(head);
        } catch (ImageException e) {
            if (!e.isTruncated() || head.length < HEAD_BYTES) {
                throw e;
            }
            // The header lies further in (a TIFF whose directory is at the end): look at the whole file.
            try {
                return probe(Files.readAllBytes(file));
            } catch (IOException io) {
                throw new ImageException("cannot read " + file + ": " + io.getMessage(), false, io);
            }
        }
    }

    public static ImageInfo probe(byte[] head) throws ImageException {
        if (head.length == 0) {
            throw new ImageException("the file is empty (0 bytes)");
        }
        ImageFormat format = ImageFormat.sniff(head).orElseThrow(() -> new ImageException(
                "not a JPEG, PNG or TIFF image (the first bytes are " + describe(head) + ")"));
        int width;
        int height;
        int bits;
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(head))) {
            ImageReader reader = readerFor(format, iis);
            try {
                reader.setInput(iis, true, true);
                width = reader.getWidth(0);
                height = reader.getHeight(0);
                bits = bitsPerSample(reader);
            } finally {
                reader.dispose();
            }
        } catch (EOFException | IndexOutOfBoundsException e) {
            throw new ImageException("the " + format + " header is truncated: the file ends before the image size is given",
                    true, e);
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            boolean truncated = messageSaysTruncated(e);
            throw new ImageException("the " + format + " header is " + (truncated ? "truncated" : "corrupt") + ": "
                    + e.getMessage(), truncated, e);
        }
        if (width <= 0 || height <= 0) {
            throw new ImageException("the " + format + " header gives an invalid size " + width + "×" + height);
        }
        return new ImageInfo(format, width, height, orientation(head), bits);
    }

    /** Refuses images over the limit, in words: "image is 70000×70000 = 4.9 gigapixels; the limit is 1.0 gigapixels". */
    public static void checkLimit(ImageInfo info, long maxPixels) throws ImageException {
        if (info.pixels() > maxPixels) {
            throw new ImageException(String.format(Locale.ROOT,
                    "image is %d×%d = %s; the limit is %s (raise it with maxPixels if this is intended)",
                    info.width(), info.height(), pixels(info.pixels()), pixels(maxPixels)));
        }
    }

    /** "4.9 gigapixels", "250.0 megapixels", "5000 pixels": how limits are written in messages. */
    public static String pixels(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.1f gigapixels", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.1f megapixels", n / 1e6);
        return n + " pixels";
    }

    static ImageReader readerFor(ImageFormat format, Object input) throws ImageException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw new ImageException("no reader for " + format + " is installed");
        }
        return readers.next();
    }

    private static int bitsPerSample(ImageReader reader) {
        try {
            var type = reader.getRawImageType(0);
            if (type != null) {
                return type.getSampleModel().getSampleSize(0);
            }
        } catch (IOException | RuntimeException ignored) {
            // Only informative: some readers need more than the header to say.
        }
        return 8;
    }

    /** EXIF orientation, 1 when absent or unreadable (a missing tag must never fail a job). */
    static int orientation(byte[] head) {
        try {
            Metadata md = ImageMetadataReader.readMetadata(new ByteArrayInputStream(head), head.length);
            ExifIFD0Directory d = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (d != null && d.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                int o = d.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                return o >= 1 && o <= 8 ? o : 1;
            }
        } catch (Exception ignored) {
            // fall through
        }
        return 1;
    }

    private static boolean messageSaysTruncated(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) return true;
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("eof") || m.contains("end of") || m.contains("premature") || m.contains("no sof")) return true;
        }
        return false;
    }

    private static String describe(byte[] head) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, head.length); i++) {
            sb.append(String.format("%02x ", head[i] & 0xff));
        }
        boolean text = true;
        for (int i = 0; i < Math.min(64, head.length); i++) {
            int c = head[i] & 0xff;
            if (c < 9 || (c > 13 && c < 32) || c == 127) text = false;
        }
        return sb.toString().trim() + (text ? ", which looks like text" : "");
    }
}
