package io.dreamscape.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming region decoder against the classic decode: a region equals the whole image decoded (the classic way)
 * and cropped, bit for bit, for every EXIF orientation, JPEG (baseline, progressive, greyscale, CMYK, ICC), PNG and
 * TIFF at 8 and 16 bits; and the whole image streams without falling back where the reader writes rows in order.
 * Fixtures are generated here with ImageIO: odd sizes (41×29) so that regions cut through JPEG blocks.
 */
class RegionDecoderTest {
    static final int W = 41;
    static final int H = 29;

    @TempDir
    Path dir;

    /** A fixture: how to write it, and whether its reader must stream (false: the fallback is allowed). */
    record Fixture(String name, boolean mustStream, Writer writer) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Writer {
        byte[] write() throws IOException;
    }

    static Stream<Arguments> fixtures() {
        List<Fixture> all = List.of(
                new Fixture("jpeg baseline", true, () -> jpeg(rgb8(), false)),
                new Fixture("jpeg progressive", true, () -> jpeg(rgb8(), true)),
                new Fixture("jpeg grey", true, () -> jpeg(grey8(), false)),
                new Fixture("jpeg cmyk", true, RegionDecoderTest::cmykJpeg),
                new Fixture("png 8 bit", true, () -> write(rgb8(), "png")),
                new Fixture("png 16 bit", true, () -> write(rgb16(), "png")),
                new Fixture("png 16 bit grey", true, () -> write(grey16(), "png")),
                new Fixture("png palette", true, () -> write(indexed(), "png")),
                new Fixture("png linear-rgb ICC", true, () -> write(linearRgb(), "png")),
                new Fixture("tiff 8 bit", true, () -> write(rgb8(), "tiff")),
                new Fixture("tiff 16 bit, 5-row strips", true, () -> tiff16(rgb16(), 5)));
        return all.stream().flatMap(f -> Stream.of(1, 2, 3, 4, 5, 6, 7, 8).map(o -> Arguments.of(f, o)));
    }

    @ParameterizedTest(name = "{0}, orientation {1}")
    @MethodSource("fixtures")
    void aRegionEqualsTheWholeImageDecodedAndCropped(Fixture fixture, int orientation) throws Exception {
        Path file = dir.resolve("in");
        Files.write(file, fixture.writer().write());
        ImageInfo probed = RegionDecoder.probe(file, Long.MAX_VALUE);
        ImageInfo info = new ImageInfo(probed.format(), probed.width(), probed.height(), orientation, probed.bitsPerSample());
        DecodedImage full = classic(file, orientation);
        int dw = info.orientedWidth();
        int dh = info.orientedHeight();
        assertEquals(full.width(), dw);
        assertEquals(full.height(), dh);
        List<Rectangle> regions = List.of(new Rectangle(0, 0, dw, dh), new Rectangle(5, 7, dw - 11, dh - 13),
                new Rectangle(0, 3, dw, 9), new Rectangle(dw - 6, dh - 9, 6, 9), new Rectangle(2, 1, 1, 1));
        for (Rectangle region : regions) {
            for (long window : new long[] {1, RegionDecoder.WINDOW_BYTES}) {
                Planes got = new Planes(region.width, region.height);
                RegionDecoder.Result r = RegionDecoder.decode(file, info, region, got, window, Integer.MAX_VALUE);
                String what = fixture + ", orientation " + orientation + ", region " + region + ", window " + window;
                if (fixture.mustStream()) assertTrue(r.streamed(), what + ": fell back to the classic decode");
                assertEquals(full.bitsPerSample(), r.bitsPerSample(), what);
                assertArrayEquals(crop(full, region).data, got.data, what);
            }
        }
    }

    @Test
    void exifOrientationInTheFileIsHonoured() throws Exception {
        for (int o = 1; o <= 8; o++) {
            Path file = dir.resolve("o" + o + ".jpg");
            Files.write(file, withExifOrientation(jpeg(rgb8(), false), o));
            ImageInfo info = RegionDecoder.probe(file, Long.MAX_VALUE);
            assertEquals(o, info.orientation());
            DecodedImage full = ImageDecoder.read(file, Long.MAX_VALUE);
            Rectangle region = new Rectangle(3, 4, full.width() - 7, full.height() - 6);
            Planes got = new Planes(region.width, region.height);
            assertTrue(RegionDecoder.decode(file, info, region, got).streamed());
            assertArrayEquals(crop(full, region).data, got.data, "orientation " + o);
        }
    }

    @Test
    void theWholeImageStreamedEqualsTheClassicDecodeBitForBit() throws Exception {
        // Several windows over a larger image, as the CLI decodes it.
        BufferedImage img = new BufferedImage(700, 300, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 300; y++) for (int x = 0; x < 700; x++) img.setRGB(x, y, (x * 7 + y) << 16 | (y * 3) << 8 | (x ^ y) & 0xff);
        Path file = dir.resolve("big.jpg");
        Files.write(file, jpeg(img, false));
        ImageInfo info = RegionDecoder.probe(file, Long.MAX_VALUE);
        Planes got = new Planes(700, 300);
        RegionDecoder.Result r = RegionDecoder.decode(file, info, new Rectangle(0, 0, 700, 300), got, 700 * 3 * 16, Integer.MAX_VALUE);
        assertTrue(r.streamed());
        assertEquals(8, r.bitsPerSample());
        assertArrayEquals(crop(ImageDecoder.read(file, Long.MAX_VALUE), new Rectangle(0, 0, 700, 300)).data, got.data);
    }

    @Test
    void anImageTooLargeForOneInterleavedArrayStreamsThroughOneBankPerBand() throws Exception {
        // Above ~715 MP an interleaved RGB destination needs more than 2³¹ elements (the classic decode fails there);
        // the decoder then lays the destination out in three banks. Simulated with a tiny array limit.
        for (byte[] image : List.of(jpeg(rgb8(), false), write(rgb16(), "png"), write(rgb8(), "tiff"), cmykJpeg())) {
            Path file = dir.resolve("banded");
            Files.write(file, image);
            for (int o : new int[] {1, 6}) {
                ImageInfo p = RegionDecoder.probe(file, Long.MAX_VALUE);
                ImageInfo info = new ImageInfo(p.format(), p.width(), p.height(), o, p.bitsPerSample());
                Rectangle region = new Rectangle(1, 2, info.orientedWidth() - 3, info.orientedHeight() - 4);
                Planes got = new Planes(region.width, region.height);
                RegionDecoder.Result r = RegionDecoder.decode(file, info, region, got, 1, 100);
                assertTrue(r.streamed(), p.format() + " orientation " + o);
                assertArrayEquals(crop(classic(file, o), region).data, got.data, p.format() + " orientation " + o);
            }
        }
    }

    @Test
    void anInterlacedPngFallsBackToTheClassicDecodeAndIsStillRight() throws Exception {
        Path file = dir.resolve("interlaced.png");
        Files.write(file, interlacedPng(rgb8()));
        ImageInfo info = RegionDecoder.probe(file, Long.MAX_VALUE);
        Rectangle region = new Rectangle(4, 2, 30, 20);
        Planes got = new Planes(region.width, region.height);
        RegionDecoder.Result r = RegionDecoder.decode(file, info, region, got, 1, Integer.MAX_VALUE);
        assertFalse(r.streamed(), "Adam7 passes revisit rows: the window cannot stream them");
        assertArrayEquals(crop(ImageDecoder.read(file, Long.MAX_VALUE), region).data, got.data);
    }

    @Test
    void aTruncatedJpegIsRefusedAsTruncated() throws Exception {
        byte[] j = jpeg(rgb8(), false);
        Path file = dir.resolve("cut.jpg");
        Files.write(file, Arrays.copyOf(j, j.length * 2 / 3));
        ImageInfo info = RegionDecoder.probe(file, Long.MAX_VALUE);
        ImageException e = assertThrows(ImageException.class, () -> RegionDecoder.decode(file, info,
                new Rectangle(0, 0, W, H), new Planes(W, H)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aRegionOutsideTheImageIsABug() throws Exception {
        Path file = dir.resolve("a.png");
        Files.write(file, write(rgb8(), "png"));
        ImageInfo info = RegionDecoder.probe(file, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> RegionDecoder.decode(file, info,
                new Rectangle(30, 0, 20, 5), new Planes(20, 5)));
    }

    @Test
    void orientationMapsStoredPixelsBothWays() {
        for (int tag = 1; tag <= 8; tag++) {
            Orientation o = new Orientation(tag, 7, 4);
            boolean[] seen = new boolean[7 * 4];
            for (int sy = 0; sy < 4; sy++) {
                for (int sx = 0; sx < 7; sx++) {
                    int dx = o.displayedX(sx, sy);
                    int dy = o.displayedY(sx, sy);
                    assertTrue(dx >= 0 && dx < o.displayedWidth() && dy >= 0 && dy < o.displayedHeight());
                    assertEquals(sx, o.storedX(dx, dy));
                    assertEquals(sy, o.storedY(dx, dy));
                    seen[dy * o.displayedWidth() + dx] = true;
                }
            }
            for (boolean s : seen) assertTrue(s, "orientation " + tag + " is a permutation");
        }
    }

    // ---- the reference: ImageDecoder's classic decode with the orientation under test ----

    static DecodedImage classic(Path file, int orientation) throws IOException {
        BufferedImage img;
        try (var iis = ImageIO.createImageInputStream(file.toFile())) {
            var reader = ImageProbe.readerFor(ImageProbe.probe(file).format(), iis);
            reader.setInput(iis, true, true);
            img = reader.read(0);
            reader.dispose();
        }
        return new DecodedImage(ImageDecoder.toSrgbCompatible(img), orientation);
    }

    /** Float planes on the heap, as the engine's mapped ones. */
    static final class Planes implements PixelSink {
        final int w;
        final float[] data;

        Planes(int w, int h) {
            this.w = w;
            this.data = new float[3 * w * h];
            Arrays.fill(data, Float.NaN); // a pixel never written shows
        }

        @Override
        public void put(int c, int y, int x, float[] src, int off, int len) {
            int h = data.length / 3 / w;
            if (y < 0 || y >= h || x < 0 || x + len > w) throw new IndexOutOfBoundsException(c + " " + y + " " + x + " " + len);
            System.arraycopy(src, off, data, (c * h + y) * w + x, len);
        }
    }

    static Planes crop(DecodedImage img, Rectangle r) {
        Planes p = new Planes(r.width, r.height);
        float[][] rows = {new float[img.width()], new float[img.width()], new float[img.width()]};
        for (int y = 0; y < r.height; y++) {
            img.readRow(r.y + y, rows[0], rows[1], rows[2]);
            for (int c = 0; c < 3; c++) p.put(c, y, 0, rows[c], r.x, r.width);
        }
        return p;
    }

    // ---- fixtures ----

    static BufferedImage rgb8() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) img.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | (x * y) & 0xff);
        return img;
    }

    static BufferedImage grey8() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) r.setSample(x, y, 0, (x * 5 + y * 3) & 0xff);
        return img;
    }

    static BufferedImage grey16() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) r.setSample(x, y, 0, (x * 1601 + y * 977) & 0xffff);
        return img;
    }

    static BufferedImage rgb16() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(W, H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                r.setSample(x, y, 0, x * 1597);
                r.setSample(x, y, 1, y * 2251);
                r.setSample(x, y, 2, (x * y * 31) & 0xffff);
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    static BufferedImage indexed() {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) img.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 40);
        return img;
    }

    static BufferedImage linearRgb() {
        ICC_ColorSpace cs = new ICC_ColorSpace(ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB));
        ComponentColorModel cm = new ComponentColorModel(cs, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(W, H);
        Raster src = rgb8().getRaster();
        r.setRect(src);
        return new BufferedImage(cm, r, false, null);
    }

    static byte[] write(BufferedImage img, String format) throws IOException {
        if (format.equals("tiff")) { // as Dreamscape writes TIFF (Deflate)
            Path f = Files.createTempFile("fixture", ".tif");
            try {
                ImageEncoder.write(img, f, 90, null);
                return Files.readAllBytes(f);
            } finally {
                Files.deleteIfExists(f);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IOException("no " + format + " writer for this image");
        return out.toByteArray();
    }

    static byte[] jpeg(BufferedImage img, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.9f);
            if (progressive) p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A four-channel JPEG with an Adobe marker saying CMYK (what print workflows produce). */
    static byte[] cmykJpeg() throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, W, H, 4, null);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                r.setSample(x, y, 0, x * 6);
                r.setSample(x, y, 1, y * 8);
                r.setSample(x, y, 2, (x * y) & 0xff);
                r.setSample(x, y, 3, 30);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            writer.write(null, new IIOImage(r, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static byte[] interlacedPng(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT); // Adam7
            IIOMetadata md = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), p);
            writer.write(null, new IIOImage(img, null, md), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * An uncompressed little-endian 16-bit RGB TIFF in strips of {@code rowsPerStrip} rows, written by hand: the
     * TIFF writer at hand refuses 16-bit samples.
     */
    static byte[] tiff16(BufferedImage img, int rowsPerStrip) {
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int strips = (h + rowsPerStrip - 1) / rowsPerStrip;
        int entries = 10;
        int ifd = 8;
        int extra = ifd + 2 + 12 * entries + 4; // bits-per-sample values, then the strip tables, then the pixels
        int bitsAt = extra;
        int offsetsAt = bitsAt + 6;
        int countsAt = offsetsAt + 4 * strips;
        int pixelsAt = countsAt + 4 * strips;
        ByteBuffer b = ByteBuffer.allocate(pixelsAt + 6 * w * h).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
        b.putShort((short) entries);
        int[][] tags = {{256, 3, 1, w}, {257, 3, 1, h}, {258, 3, 3, bitsAt}, {259, 3, 1, 1}, {262, 3, 1, 2},
                {273, 4, strips, strips == 1 ? pixelsAt : offsetsAt}, {277, 3, 1, 3}, {278, 3, 1, rowsPerStrip},
                {279, 4, strips, strips == 1 ? 6 * w * h : countsAt}, {284, 3, 1, 1}};
        for (int[] t : tags) {
            b.putShort((short) t[0]).putShort((short) t[1]).putInt(t[2]);
            if (t[1] == 3 && t[2] == 1) b.putShort((short) t[3]).putShort((short) 0);
            else b.putInt(t[3]);
        }
        b.putInt(0);
        b.putShort((short) 16).putShort((short) 16).putShort((short) 16);
        for (int s = 0; s < strips; s++) b.putInt(pixelsAt + s * rowsPerStrip * 6 * w);
        for (int s = 0; s < strips; s++) b.putInt(Math.min(rowsPerStrip, h - s * rowsPerStrip) * 6 * w);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) b.putShort((short) r.getSample(x, y, c));
        return b.array();
    }

    /** Inserts an EXIF APP1 with IFD0 orientation {@code o} after the JFIF APP0 of a JPEG. */
    static byte[] withExifOrientation(byte[] jpeg, int o) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) o).putShort((short) 0).putInt(0);
        byte[] app1 = Exif.app1Segment(tiff.array());
        int app0End = 4 + ((jpeg[4] & 0xff) << 8 | (jpeg[5] & 0xff));
        byte[] out = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, out, 0, app0End);
        System.arraycopy(app1, 0, out, app0End, app1.length);
        System.arraycopy(jpeg, app0End, out, app0End + app1.length, jpeg.length - app0End);
        return out;
    }
}
