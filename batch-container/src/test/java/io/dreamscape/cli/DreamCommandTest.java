package io.dreamscape.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.TestFixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI end to end, in process: good runs, and every kind of bad input refused clearly with the input untouched. */
class DreamCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String err) {
    }

    Run dream(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DreamscapeCli());
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("dream"));
        all.addAll(List.of(args));
        if (!all.contains("--model")) all.addAll(List.of("--model", TestFixtures.fixture("tiny_dict.pt").toString()));
        if (!all.contains("--layer")) all.addAll(List.of("--layer", "conv2"));
        all.addAll(List.of("--quiet", "--scratch", dir.resolve("scratch").toString()));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            // Messages may go to the writer set on the command line or to System.err: collect both.
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int exit = cl.execute(all.toArray(String[]::new));
            return new Run(exit, err + stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    Path photo(String name, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img.setRGB(x, y, ((x * 5) & 255) << 16 | ((y * 3) & 255) << 8 | ((x + y) & 255));
        Path p = dir.resolve(name);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        ImageIO.write(img, ext.equals("jpg") ? "jpeg" : ext.equals("tif") ? "tiff" : ext, p.toFile());
        return p;
    }

    static String sha(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void dreamsAPhotoKeepingItsSizeAndLeavingTheInputAlone() throws Exception {
        Path in = photo("in.jpg", 130, 90);
        String before = sha(in);
        Path out = dir.resolve("out.jpg");
        Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "2", "--steps", "2", "--seed", "4");
        assertEquals(0, r.exit(), r.err());
        BufferedImage o = ImageIO.read(out.toFile());
        assertEquals(130, o.getWidth());
        assertEquals(90, o.getHeight());
        assertEquals(before, sha(in));
        assertNoTempFilesLeft();
    }

    @Test
    void paramsFileIsOverriddenByFlagsAndSameSeedGivesSameBytes() throws Exception {
        Path in = photo("in.png", 100, 70);
        Path params = dir.resolve("p.json");
        Files.writeString(params, "{\"octaves\": 2, \"steps\": 1, \"seed\": 8, \"stepSize\": 3}");
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        assertEquals(0, dream(in.toString(), "-o", a.toString(), "--params", params.toString()).exit());
        assertEquals(0, dream(in.toString(), "-o", b.toString(), "--params", params.toString()).exit());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Path c = dir.resolve("c.png");
        assertEquals(0, dream(in.toString(), "-o", c.toString(), "--params", params.toString(), "--seed", "9").exit());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    static io.dreamscape.job.DreamParameters parsed(String... args) throws IOException {
        DreamCommand c = new DreamCommand();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-o", "o.png"));
        new CommandLine(c).parseArgs(all.toArray(String[]::new));
        return c.resolveParameters();
    }

    @Test
    void wrapTakesAxesAndAloneStillMeansBoth() throws Exception {
        assertEquals(io.dreamscape.job.Wrap.X, parsed("in.png", "--wrap", "x").wrap());
        assertEquals(io.dreamscape.job.Wrap.XY, parsed("in.png", "--wrap", "xy").wrap());
        assertEquals(io.dreamscape.job.Wrap.NONE, parsed("in.png", "--wrap=none").wrap());
        assertEquals(io.dreamscape.job.Wrap.NONE, parsed("in.png").wrap());
        // --wrap alone, as before issue 14: both axes, and the next argument stays the input
        DreamCommand c = new DreamCommand();
        new CommandLine(c).parseArgs("--wrap", "in.png", "-o", "o.png");
        assertEquals(io.dreamscape.job.Wrap.XY, c.resolveParameters().wrap());
        assertEquals(Path.of("in.png"), c.input);
        assertTrue(parsed("in.png", "--keep-colors").keepColors());
        assertFalse(parsed("in.png").keepColors());
    }

    @Test
    void anUnknownWrapIsAUsageErrorWithASentence() throws Exception {
        Path in = photo("in.png", 64, 64);
        Run r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--wrap=diagonal");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("wrap is 'diagonal'; allowed \"x\""), r.err());
        Path params = Files.writeString(dir.resolve("p.json"), "{\"wrap\": \"y\"}");
        r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--params", params.toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("wrap is 'y'"), r.err());
        assertFalse(Files.exists(dir.resolve("o.png")));
    }

    @Test
    void keepColorsKeepsTheInputsChromaInTheWrittenFile() throws Exception {
        Path in = photo("in.png", 120, 80);
        Path out = dir.resolve("kept.png");
        Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "2", "--steps", "3", "--step-size", "3",
                "--seed", "4", "--keep-colors", "--wrap", "x");
        assertEquals(0, r.exit(), r.err());
        BufferedImage a = ImageIO.read(in.toFile());
        BufferedImage b = ImageIO.read(out.toFile());
        double worst = 0;
        double luma = 0;
        int checked = 0;
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 120; x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                double[] u = ycc(p);
                double[] v = ycc(q);
                boolean clipped = false;
                for (int s = 0; s <= 16; s += 8) clipped |= ((q >> s) & 255) == 0 || ((q >> s) & 255) == 255;
                if (clipped) continue;
                checked++;
                worst = Math.max(worst, Math.max(Math.abs(u[1] - v[1]), Math.abs(u[2] - v[2])));
                luma += Math.abs(u[0] - v[0]);
            }
        }
        assertTrue(checked > 120 * 80 / 2, "unclipped " + checked);
        assertTrue(worst <= 1.0 / 255, "chroma within 1/255 after quantisation: " + worst * 255 + "/255");
        assertTrue(luma / checked > 1.0 / 255, "the luminance was dreamed: " + luma / checked * 255 + "/255");
    }

    /** A greyscale PNG mask: the left half black, the right half white. */
    Path halfMask(String name, int w, int h) throws IOException {
        return TestFixtures.halfMask(dir.resolve(name), w, h);
    }

    @Test
    void aMaskKeepsTheBlackHalfOfTheWrittenFileAndDreamsTheWhiteHalf() throws Exception {
        Path in = photo("in.png", 120, 80);
        Path out = dir.resolve("masked.png");
        // a half-size mask: resized to 120×80, columns 0-58 are exactly black, 61 on exactly white
        Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "2", "--steps", "3", "--step-size", "3",
                "--seed", "4", "--tile", "64", "--mask", halfMask("m.png", 60, 40).toString());
        assertEquals(0, r.exit(), r.err());
        BufferedImage a = ImageIO.read(in.toFile());
        BufferedImage b = ImageIO.read(out.toFile());
        double right = 0;
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 120; x++) {
                if (x <= 58) assertEquals(a.getRGB(x, y), b.getRGB(x, y), "black keeps the input at " + x + "," + y);
                if (x >= 61) {
                    for (int s = 0; s <= 16; s += 8) right += Math.abs(((a.getRGB(x, y) >> s) & 255) - ((b.getRGB(x, y) >> s) & 255));
                }
            }
        }
        assertTrue(right / (59 * 80 * 3) > 2, "the white half was dreamed: mean change " + right / (59 * 80 * 3) + "/255");
    }

    @Test
    void aMaskOfAnotherShapeOrUnreadableIsAUsageErrorBeforeTheModelIsOpened() throws Exception {
        Path in = photo("in.png", 120, 80);
        Path out = dir.resolve("o.png");
        // a model that does not exist: the mask's sentence comes first, so nothing touched the model
        String missingModel = dir.resolve("no-such-model.pt").toString();
        Run r = dream(in.toString(), "-o", out.toString(), "--model", missingModel, "--mask",
                halfMask("square.png", 50, 50).toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("the mask is 50×50 (aspect ratio 1.000) but the image is 120×80 (aspect ratio 1.500)"),
                r.err());
        Path broken = Files.writeString(dir.resolve("broken.png"), "not a picture");
        r = dream(in.toString(), "-o", out.toString(), "--model", missingModel, "--mask", broken.toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("the mask " + broken + " cannot be read as an image"), r.err());
        r = dream(in.toString(), "-o", out.toString(), "--model", missingModel, "--mask", dir.resolve("nope.png").toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("mask not found: " + dir.resolve("nope.png")), r.err());
        assertFalse(Files.exists(out));
    }

    /** Rec. 601 Y, Cb, Cr in 0-1 units of an 8-bit RGB pixel. */
    static double[] ycc(int rgb) {
        double r = ((rgb >> 16) & 255) / 255.0;
        double g = ((rgb >> 8) & 255) / 255.0;
        double b = (rgb & 255) / 255.0;
        double y = 0.299 * r + 0.587 * g + 0.114 * b;
        return new double[] {y, 0.564 * (b - y), 0.713 * (r - y)};
    }

    @Test
    void unknownLayerListsTheAvailableOnes() throws Exception {
        Path in = photo("in.png", 64, 64);
        Run r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--model",
                TestFixtures.fixture("tiny_tuple.pt").toString(), "--layer", "nope");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("unknown layer 'nope'") && r.err().contains("conv1 (8 channels), conv2 (16 channels), conv3 (16 channels)"), r.err());
    }

    @Test
    void outOfBoundsParametersAreAllReportedAtOnce() throws Exception {
        Path in = photo("in.png", 64, 64);
        Run r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--steps", "0", "--octave-scale", "0.5");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("steps is 0") && r.err().contains("octaveScale is 0.5"), r.err());
    }

    @Test
    void aMalformedDeviceMemoryIsAUsageErrorWithASentence() throws Exception {
        Path in = photo("in.png", 64, 64);
        Run r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--device-memory", "12Q");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("deviceMemory '12Q' is not a memory size; write e.g. 512M or 20G"), r.err());
        Path params = Files.writeString(dir.resolve("p.json"), "{\"deviceMemory\": \"lots\"}");
        r = dream(in.toString(), "-o", dir.resolve("o.png").toString(), "--params", params.toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("deviceMemory 'lots'"), r.err());
    }

    @Test
    void everyCommandsHelpIsFormattedWithoutRawPercentSigns() {
        // picocli formats descriptions with String.format: a bare "80% of" fails to format, prints a WARN line
        // and shows the raw text; "%%" must come out as one "%".
        StringBuilder help = new StringBuilder();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            for (CommandLine sub : new CommandLine(new DreamscapeCli()).getSubcommands().values()) {
                help.append(sub.getUsageMessage());
            }
        } finally {
            System.setErr(oldErr);
        }
        String text = help.toString();
        assertTrue(text.contains("80% of a GPU's free memory"), text);
        assertFalse(text.contains("%%") || text.contains("%n"), text);
        assertEquals("", warnings.toString(StandardCharsets.UTF_8), "picocli's warnings while rendering the help");
    }

    @Test
    void refusesZeroByteFile() throws Exception {
        Path in = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        assertRefused(in, "empty");
    }

    @Test
    void refusesTextNamedJpg() throws Exception {
        Path in = Files.writeString(dir.resolve("notes.jpg"), "these are my notes, not a picture\n");
        assertRefused(in, "not a JPEG, PNG or TIFF");
    }

    @Test
    void refusesTruncatedJpeg() throws Exception {
        Path full = photo("full.jpg", 300, 200);
        byte[] bytes = Files.readAllBytes(full);
        Path in = Files.write(dir.resolve("cut.jpg"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertRefused(in, "truncated");
    }

    @Test
    void refusesHeaderBombBeforeDecoding() throws Exception {
        Path in = Files.write(dir.resolve("bomb.png"), pngHeaderOnly(70000, 70000));
        Run r = assertRefused(in, "70000×70000 = 4.9 gigapixels; the limit is 1.0 gigapixels");
        assertFalse(r.err().contains("memory"), r.err());
    }

    @Test
    void maxPixelsIsConfigurable() throws Exception {
        Path in = photo("in.png", 100, 100);
        Path out = dir.resolve("o.png");
        Run r = dream(in.toString(), "-o", out.toString(), "--max-pixels", "5000");
        assertEquals(DreamCommand.EXIT_BAD_IMAGE, r.exit());
        assertTrue(r.err().contains("the limit is 5000 pixels"), r.err());
    }

    @Test
    void readsSixteenBitPngAndWritesSixteenBitPng() throws Exception {
        Path in = sixteenBitPng("deep.png");
        Path out = dir.resolve("deep.dream.png");
        assertEquals(0, dream(in.toString(), "-o", out.toString(), "--octaves", "1", "--steps", "1").exit());
        BufferedImage o = ImageIO.read(out.toFile());
        assertEquals(16, o.getColorModel().getComponentSize(0));
        assertEquals(80, o.getWidth());
    }

    @Test
    void writesSixteenBitTiffFromSixteenBitInput() throws Exception {
        Path in = sixteenBitPng("deep16.png");
        Path out = dir.resolve("deep16.dream.tif");
        Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "1", "--steps", "1");
        assertEquals(0, r.exit(), r.err());
        BufferedImage o = ImageIO.read(out.toFile());
        assertEquals(16, o.getColorModel().getComponentSize(0));
        assertEquals(80, o.getWidth());
        assertEquals(60, o.getHeight());
        assertNoTempFilesLeft();
    }

    private Path sixteenBitPng(String name) throws IOException {
        java.awt.image.ComponentColorModel cm = new java.awt.image.ComponentColorModel(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), false, false,
                java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_USHORT);
        BufferedImage img = new BufferedImage(cm, cm.createCompatibleWritableRaster(80, 60), false, null);
        for (int y = 0; y < 60; y++) for (int x = 0; x < 80; x++) for (int c = 0; c < 3; c++)
            img.getRaster().setSample(x, y, c, (x * 800 + y * 300 + c * 5000) & 0xffff);
        Path in = dir.resolve(name);
        ImageIO.write(img, "png", in.toFile());
        return in;
    }

    @Test
    void readsAndWritesTiff() throws Exception {
        Path in = photo("scan.tif", 90, 70);
        Path out = dir.resolve("scan.dream.tif");
        Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "1", "--steps", "1");
        assertEquals(0, r.exit(), r.err());
        BufferedImage o = ImageIO.read(out.toFile());
        assertEquals(90, o.getWidth());
        assertEquals(70, o.getHeight());
    }

    @Test
    void readsCmykAndGreyscaleJpegsAsRgb() throws Exception {
        for (String name : List.of("cmyk.jpg", "gray.jpg")) {
            Path in = Files.copy(TestFixtures.fixture(name), dir.resolve(name));
            Path out = dir.resolve(name + ".out.png");
            Run r = dream(in.toString(), "-o", out.toString(), "--octaves", "1", "--steps", "1", "--step-size", "0.01");
            assertEquals(0, r.exit(), name + ": " + r.err());
            BufferedImage o = ImageIO.read(out.toFile());
            assertEquals(40, o.getWidth());
            // The fixture is a gradient with a blue band on the left (x < 10): colours must survive the conversion.
            int left = o.getRGB(2, 10);
            int right = o.getRGB(35, 10);
            if (name.startsWith("cmyk")) {
                assertTrue((left & 0xff) > 150 && (right & 0xff) < 90, name + " blue band lost: " + Integer.toHexString(left) + " " + Integer.toHexString(right));
            } else {
                int r0 = (left >> 16) & 0xff, g0 = (left >> 8) & 0xff, b0 = left & 0xff;
                assertTrue(Math.abs(r0 - g0) <= 2 && Math.abs(g0 - b0) <= 2, "grey stays grey: " + Integer.toHexString(left));
            }
        }
    }

    @Test
    void honoursExifOrientation() throws Exception {
        Path in = Files.copy(TestFixtures.fixture("exif_rotated.jpg"), dir.resolve("rot.jpg"));
        Path out = dir.resolve("rot.out.png");
        assertEquals(0, dream(in.toString(), "-o", out.toString(), "--octaves", "1", "--steps", "1", "--step-size", "0.01").exit());
        BufferedImage o = ImageIO.read(out.toFile());
        // Stored 40×20 with the blue band on its left; orientation 6 displays it rotated clockwise: 20×40, band on top.
        assertEquals(20, o.getWidth());
        assertEquals(40, o.getHeight());
        assertTrue((o.getRGB(10, 2) & 0xff) > 150, "blue band should be on top");
        assertTrue((o.getRGB(10, 37) & 0xff) < 90, "bottom should not be blue");
    }

    @Test
    void refusesToOverwriteTheInput() throws Exception {
        Path in = photo("same.png", 64, 64);
        String before = sha(in);
        Run r = dream(in.toString(), "-o", in.toString());
        assertEquals(DreamCommand.EXIT_BAD_IMAGE, r.exit());
        assertTrue(r.err().contains("is the input file"), r.err());
        assertEquals(before, sha(in));
    }

    @Test
    void aFailedRunLeavesNoOutputAndKeepsAnOldOne() throws Exception {
        Path in = Files.writeString(dir.resolve("bad.png"), "nope");
        Path out = Files.writeString(dir.resolve("out.png"), "previous result");
        assertEquals(DreamCommand.EXIT_BAD_IMAGE, dream(in.toString(), "-o", out.toString()).exit());
        assertEquals("previous result", Files.readString(out));
        Path out2 = dir.resolve("never.png");
        dream(in.toString(), "-o", out2.toString());
        assertFalse(Files.exists(out2));
        assertNoTempFilesLeft();
    }

    Run assertRefused(Path in, String reason) throws Exception {
        String before = sha(in);
        Path out = dir.resolve("refused.jpg");
        Run r = dream(in.toString(), "-o", out.toString());
        assertEquals(DreamCommand.EXIT_BAD_IMAGE, r.exit(), r.err());
        assertTrue(r.err().contains(reason), "expected '" + reason + "' in: " + r.err());
        assertFalse(Files.exists(out), "no output may be written");
        assertEquals(before, sha(in), "the input must be untouched");
        return r;
    }

    void assertNoTempFilesLeft() throws IOException {
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "temp files left behind");
        }
    }

    /** A PNG whose header claims {@code w×h} but which holds no pixel data: a decompression bomb's calling card. */
    static byte[] pngHeaderOnly(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 4 + 13 + 4);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        b.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).put(ihdr.array());
        CRC32 crc = new CRC32();
        crc.update("IHDR".getBytes(StandardCharsets.US_ASCII));
        crc.update(ihdr.array());
        b.putInt((int) crc.getValue());
        return b.array();
    }
}
