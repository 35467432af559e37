package io.dreamscape.imaging;

import java.awt.image.RenderedImage;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Writes JPEG (with quality and optional EXIF), PNG or TIFF, chosen by the file extension, atomically. */
public final class ImageEncoder {
    private ImageEncoder() {
    }

    public static void write(RenderedImage image, Path out, int quality, byte[] exifOrNull) throws IOException {
        ImageFormat format = ImageFormat.forFileName(out.getFileName().toString());
        AtomicFiles.write(out, temp -> {
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                OutputStream target = file;
                if (format == ImageFormat.JPEG && exifOrNull != null) {
                    byte[] patched = Exif.withOrientationReset(exifOrNull);
                    byte[] app1 = patched == null ? null : Exif.app1Segment(patched);
                    if (app1 != null) {
                        target = new SegmentInjector(file, app1);
                    }
                }
                encode(image, format, quality, target);
                target.flush();
            }
        });
    }

    private static void encode(RenderedImage image, ImageFormat format, int quality, OutputStream out) throws IOException {
        ImageWriter writer = writerFor(format, image);
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format == ImageFormat.JPEG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(Math.max(1, Math.min(100, quality)) / 100f);
            } else if (format == ImageFormat.TIFF && param.canWriteCompressed()) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("Deflate");
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** A small picture (previews, mosaics) as JPEG bytes in memory, at {@code quality} in 0–1. */
    public static byte[] jpegBytes(RenderedImage image, float quality) throws IOException {
        ImageWriter writer = writerFor(ImageFormat.JPEG, image);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * The first installed writer for {@code format}, except that a 16-bit TIFF goes to the JDK's own TIFF writer:
     * TwelveMonkeys' (3.12, registered first) refuses pixel-interleaved 16-bit RGB ("Not implemented for data type: 1"),
     * which is exactly what a 16-bit input's dream is written as.
     */
    private static ImageWriter writerFor(ImageFormat format, RenderedImage image) throws ImageException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format.imageIoName());
        if (!writers.hasNext()) throw new ImageException("no writer for " + format + " is installed");
        ImageWriter first = writers.next();
        boolean sixteenBit = image.getSampleModel().getDataType() == java.awt.image.DataBuffer.TYPE_USHORT;
        if (format != ImageFormat.TIFF || !sixteenBit) return first;
        for (ImageWriter w = first; ; w = writers.next()) {
            if (w.getClass().getName().startsWith("com.sun.imageio.plugins.tiff.")) {
                if (w != first) first.dispose();
                return w;
            }
            if (w != first) w.dispose();
            if (!writers.hasNext()) return first;
        }
    }

    /** Copies a JPEG stream, inserting a segment after SOI and the JFIF APP0 (which must stay first). */
    private static final class SegmentInjector extends FilterOutputStream {
        private final byte[] segment;
        private final byte[] head = new byte[6];
        private int seen;
        private long skipApp0 = -1;
        private boolean injected;

        SegmentInjector(OutputStream out, byte[] segment) {
            super(out);
            this.segment = segment;
        }

        @Override
        public void write(int b) throws IOException {
            if (injected) {
                out.write(b);
                return;
            }
            if (seen < head.length) {
                head[seen++] = (byte) b;
                if (seen == head.length) {
                    out.write(head, 0, 2); // SOI
                    boolean app0 = (head[2] & 0xff) == 0xFF && (head[3] & 0xff) == 0xE0;
                    if (app0) {
                        out.write(head, 2, 4);
                        skipApp0 = ((head[4] & 0xff) << 8 | (head[5] & 0xff)) - 2;
                        if (skipApp0 == 0) inject();
                    } else {
                        out.write(segment);
                        injected = true;
                        out.write(head, 2, 4);
                    }
                }
                return;
            }
            out.write(b);
            if (--skipApp0 == 0) inject();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (injected) {
                out.write(b, off, len);
            } else {
                for (int i = 0; i < len; i++) write(b[off + i]);
            }
        }

        private void inject() throws IOException {
            out.write(segment);
            injected = true;
        }
    }
}
