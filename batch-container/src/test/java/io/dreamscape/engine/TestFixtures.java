package io.dreamscape.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.TorchScriptNetwork;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Paths to the committed fixtures and to the real models in ../shared (tests needing those skip without them). */
public final class TestFixtures {
    private TestFixtures() {
    }

    public static Path fixture(String name) {
        try {
            return Path.of(TestFixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test fixture " + name, e);
        }
    }

    public static TorchScriptNetwork tinyDict() throws IOException {
        return TorchScriptNetwork.load(fixture("tiny_dict.pt"), Device.cpu());
    }

    public static TorchScriptNetwork tinyTuple() throws IOException {
        return TorchScriptNetwork.load(fixture("tiny_tuple.pt"), Device.cpu());
    }

    /** Writes a greyscale PNG mask of {@code w × h} to {@code file}: the left half black, the right half white. */
    public static Path halfMask(Path file, int w, int h) throws IOException {
        BufferedImage m = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = w / 2; x < w; x++) m.getRaster().setSample(x, y, 0, 255);
        ImageIO.write(m, "png", file.toFile());
        return file;
    }

    /** ../shared relative to the repository root, found from the module directory; skips the test when absent. */
    public static Path shared(String relative) {
        Path root = Path.of("").toAbsolutePath();
        for (Path p = root; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve(relative);
            if (Files.exists(candidate)) return candidate;
        }
        assumeTrue(false, "../shared/" + relative + " is not available: skipping the real-model test");
        return null;
    }
}
