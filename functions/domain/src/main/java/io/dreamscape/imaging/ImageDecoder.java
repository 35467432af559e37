package io.dreamscape.imaging;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.ImageIO;

/**
 * Decodes JPEG (incl. CMYK/YCCK and greyscale), PNG and TIFF, 8 or 16 bit, into a {@link DecodedImage}.
 * The header is checked against {@code maxPixels} first. Embedded ICC profiles other than sRGB are converted to sRGB
 * (8 bit); greyscale data is taken as sRGB-encoded grey (Java's linear CS_GRAY would brighten it wrongly);
 * alpha is ignored. A truncated file is refused rather than returned with a grey bottom.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    public static DecodedImage read(Path file, long maxPixels) throws ImageException {
        ImageInfo info = ImageProbe.probe(file);
        ImageProbe.checkLimit(info, maxPixels);
        return new DecodedImage(readSrgb(file, info), info.orientation());
    }

    /** The whole stored image on the heap, its samples sRGB-encoded: the classic decode. */
    static BufferedImage readSrgb(Path file, ImageInfo info) throws ImageException {
        List<String> warnings = new ArrayList<>();
        BufferedImage img;
        try (ImageInputStream iis = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageProbe.readerFor(info.format(), iis);
            try {
                reader.setInput(iis, true, true);
                reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> warnings.add(warning));
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw failure(file, info, e);
        } catch (OutOfMemoryError e) {
            throw new ImageException("not enough memory to decode " + file.getFileName() + " (" + info.width() + "×"
                    + info.height() + "); give the JVM more heap (-Xmx)", false, null);
        }
        checkWarnings(file, warnings);
        return toSrgbCompatible(img);
    }

    /** A reader's exception in words: a truncated file says so. */
    static ImageException failure(Path file, ImageInfo info, Exception e) {
        if (e instanceof ImageException ie) return ie;
        String m = String.valueOf(e.getMessage());
        boolean truncated = m.toLowerCase(Locale.ROOT).contains("eof") || m.toLowerCase(Locale.ROOT).contains("premature")
                || e instanceof java.io.EOFException;
        return new ImageException("cannot decode " + file.getFileName() + " (" + info.format() + "): "
                + (truncated ? "the file is truncated" : m), truncated, e);
    }

    /** Readers report a truncated JPEG as a warning and fill the rest with grey: refuse it instead. */
    static void checkWarnings(Path file, List<String> warnings) throws ImageException {
        for (String w : warnings) {
            String lw = w.toLowerCase(Locale.ROOT);
            if (lw.contains("premature end") || lw.contains("truncat") || lw.contains("corrupt")) {
                throw new ImageException("cannot decode " + file.getFileName() + ": the file is truncated or corrupt (" + w + ")",
                        true, null);
            }
        }
    }

    public static DecodedImage read(InputStream in, Path scratch, long maxPixels) throws IOException {
        Files.copy(in, scratch, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return read(scratch, maxPixels);
    }

    /** Returns an image whose raster samples are sRGB-encoded (or sRGB-encoded grey). */
    static BufferedImage toSrgbCompatible(BufferedImage img) {
        ColorSpace cs = img.getColorModel().getColorSpace();
        if (img.getColorModel() instanceof IndexColorModel) {
            return redraw(img);
        }
        if (cs.getType() == ColorSpace.TYPE_GRAY) {
            return img;
        }
        if (cs.isCS_sRGB()) {
            return img;
        }
        if (cs instanceof ICC_ColorSpace icc && icc.getProfile().getColorSpaceType() == ColorSpace.TYPE_RGB
                && isSrgbLike(icc.getProfile())) {
            return img;
        }
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        new ColorConvertOp(cs, ColorSpace.getInstance(ColorSpace.CS_sRGB), null).filter(img, out);
        return out;
    }

    private static boolean isSrgbLike(ICC_Profile p) {
        byte[] desc = p.getData(ICC_Profile.icSigProfileDescriptionTag);
        return desc != null && new String(desc, java.nio.charset.StandardCharsets.ISO_8859_1).contains("sRGB");
    }

    private static BufferedImage redraw(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The raw EXIF payload (after "Exif\0\0") of a JPEG, or null when there is none. */
    public static byte[] readExif(Path jpeg) {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(jpeg))) {
            return Exif.readFromJpeg(in);
        } catch (IOException e) {
            return null;
        }
    }
}
