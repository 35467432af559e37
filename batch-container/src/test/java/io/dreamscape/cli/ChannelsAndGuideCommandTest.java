package io.dreamscape.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.engine.TestFixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --layer NAME#C…}, {@code --guide FILE} and {@code dreamscape models} through the CLI, in process. */
class ChannelsAndGuideCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    Run cli(String... args) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            int exit = DreamscapeCli.execute(args);
            return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    Run dream(String... args) {
        List<String> all = new ArrayList<>(List.of("dream"));
        all.addAll(List.of(args));
        if (!all.contains("--model")) all.addAll(List.of("--model", TestFixtures.fixture("tiny_tuple.pt").toString()));
        all.addAll(List.of("--quiet", "--scratch", dir.resolve("scratch").toString(), "--octaves", "2", "--steps", "2",
                "--seed", "5", "--step-size", "8"));
        return cli(all.toArray(String[]::new));
    }

    Path photo(String name, int w, int h, int kind) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img.setRGB(x, y, kind == 0 ? ((x * 5) & 255) << 16 | ((y * 3) & 255) << 8 | ((x + y) & 255)
                        : (x / 6 % 2 == 0 ? 0xf0c020 : 0x2040e0) ^ ((y / 9 % 2) * 0x0f0f0f));
        Path p = dir.resolve(name);
        ImageIO.write(img, name.endsWith(".png") ? "png" : "jpeg", p.toFile());
        return p;
    }

    static int[] pixels(Path p) throws IOException {
        BufferedImage i = ImageIO.read(p.toFile());
        return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
    }

    static double meanDiff(int[] a, int[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            for (int s = 0; s < 24; s += 8) d += Math.abs((a[i] >> s & 255) - (b[i] >> s & 255));
        }
        return d / (3.0 * a.length);
    }

    @Test
    void channelsAndGuidesChangeTheDreamAndDifferentGuidesGiveDifferentPictures() throws Exception {
        Path in = photo("in.png", 120, 90, 0);
        Path g1 = photo("stripes.png", 80, 80, 1);
        Path g2 = photo("ramp.jpg", 100, 70, 0);
        Path plain = dir.resolve("plain.png");
        Path ch = dir.resolve("channels.png");
        Path o1 = dir.resolve("guide1.png");
        Path o2 = dir.resolve("guide2.png");
        assertEquals(0, dream(in.toString(), "-o", plain.toString(), "--layer", "conv2").exit());
        Run rc = dream(in.toString(), "-o", ch.toString(), "--layer", "conv2#2,5");
        assertEquals(0, rc.exit(), rc.err());
        Run r1 = dream(in.toString(), "-o", o1.toString(), "--layer", "conv2", "--guide", g1.toString());
        assertEquals(0, r1.exit(), r1.err());
        Run r2 = dream(in.toString(), "-o", o2.toString(), "--layer", "conv2", "--guide", g2.toString());
        assertEquals(0, r2.exit(), r2.err());
        assertTrue(meanDiff(pixels(plain), pixels(ch)) > 1, "channels: " + meanDiff(pixels(plain), pixels(ch)));
        assertTrue(meanDiff(pixels(o1), pixels(o2)) > 1, "two guides: " + meanDiff(pixels(o1), pixels(o2)));
        assertTrue(meanDiff(pixels(plain), pixels(o1)) > 1, "guide vs none: " + meanDiff(pixels(plain), pixels(o1)));
    }

    @Test
    void aChannelOutOfRangeIsAUsageErrorWithASentenceAndNoOutput() throws Exception {
        Path in = photo("in.png", 64, 48, 0);
        Path out = dir.resolve("out.png");
        Run r = dream(in.toString(), "-o", out.toString(), "--layer", "conv2#1,16");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("layer 'conv2' has 16 channels (0 to 15); channel 16 does not exist"), r.err());
        assertFalse(Files.exists(out));
        Run bad = dream(in.toString(), "-o", out.toString(), "--layer", "conv2#x");
        assertEquals(DreamCommand.EXIT_USAGE, bad.exit(), bad.err());
        assertTrue(bad.err().contains("channel 'x' is not a whole number"), bad.err());
    }

    @Test
    void anUnknownLayerListsTheLayersWithTheirChannelCounts() throws Exception {
        Path in = photo("in.png", 64, 48, 0);
        Run r = dream(in.toString(), "-o", dir.resolve("out.png").toString(), "--layer", "conv7");
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("unknown layer 'conv7'; this model's layers are: conv1 (8 channels), "
                + "conv2 (16 channels), conv3 (16 channels)"), r.err());
    }

    @Test
    void anUnreadableOrMissingGuideIsAUsageErrorBeforeTheModelOpens() throws Exception {
        Path in = photo("in.png", 64, 48, 0);
        Path out = dir.resolve("out.png");
        Path junk = Files.writeString(dir.resolve("junk.jpg"), "no picture here");
        // A model path that does not exist: the guide is refused first, so the model is never opened.
        Run r = dream(in.toString(), "-o", out.toString(), "--guide", junk.toString(), "--model", dir.resolve("none.pt").toString());
        assertEquals(DreamCommand.EXIT_USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("guide image junk.jpg cannot be used"), r.err());
        Run missing = dream(in.toString(), "-o", out.toString(), "--guide", dir.resolve("gone.png").toString());
        assertEquals(DreamCommand.EXIT_USAGE, missing.exit(), missing.err());
        assertTrue(missing.err().contains("guide image not found"), missing.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void modelsListsGoogLeNetAndTheTorchScriptModelsWithChannelCounts() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.copy(TestFixtures.fixture("tiny_tuple.pt"), models.resolve("tiny_tuple.pt"));
        Files.copy(TestFixtures.fixture("tiny_tuple.json"), models.resolve("tiny_tuple.json"));
        Run r = cli("models", "--model-dir", models.toString(), TestFixtures.fixture("tiny_dict.pt").toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("googlenet (built in): 16 dream layers, default inception4c"), out);
        assertTrue(out.matches("(?s).*inception4c\\s+512 channels \\(#0-511\\).*"), out);
        assertTrue(out.matches("(?s).*inception5b\\s+1024 channels.*"), out);
        assertTrue(out.contains("tiny_tuple.pt (" + models.resolve("tiny_tuple.pt") + "): 3 dream layers, default conv2"), out);
        assertTrue(out.contains("tiny_dict.pt ("), out);
        assertTrue(out.matches("(?s).*conv1\\s+8 channels \\(#0-7\\).*"), out);
        assertTrue(out.matches("(?s).*conv3\\s+16 channels \\(#0-15\\).*"), out);

        Files.writeString(models.resolve("broken.pt"), "not a model");
        Run broken = cli("models", "--model-dir", models.toString());
        assertEquals(DreamCommand.EXIT_FAILED, broken.exit());
        assertTrue(broken.out().contains("broken.pt (" + models.resolve("broken.pt") + "): cannot be loaded"), broken.out());
        assertTrue(broken.out().contains("tiny_tuple.pt"), "the others are still listed");

        Run notDir = cli("models", "--model-dir", dir.resolve("nothing").toString());
        assertEquals(DreamCommand.EXIT_USAGE, notDir.exit());
        assertTrue(notDir.err().contains("is not a folder"), notDir.err());
    }
}
