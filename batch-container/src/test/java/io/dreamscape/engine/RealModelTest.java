package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.ParameterOverrides;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real DeepDream with a real ImageNet network (MobileNetV2 from ../shared) on a real photo. */
class RealModelTest {
    @TempDir
    Path dir;

    @Test
    void objectiveRisesAndTheEagleChanges() throws Exception {
        Path model = TestFixtures.shared("models/mobilenet_v2_1.0_224_quant_dream.pt");
        Path photo = TestFixtures.shared("images/eagle.jpg");
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model(model.toString()).octaves(2).octaveScale(1.4).steps(4).stepSize(3.0).jitter(32).tile(256)
                .seed(7L).wrap(io.dreamscape.job.Wrap.NONE).quality(95).maxPixels(1_000_000_000L).build()).validated();
        Path out = dir.resolve("eagle.dream.png");
        try (TorchScriptNetwork net = TorchScriptNetwork.load(model, Device.cpu())) {
            assertEquals(List.of("expanded_conv_3/expand", "expanded_conv_6/expand", "expanded_conv_12/expand",
                    "expanded_conv_14/expand"), net.layers());
            DreamFile.Result r = DreamFile.run(photo, out, p, net, Device.cpu(), dir, new DreamListener() { });
            assertEquals("expanded_conv_12/expand", r.layers().get(0).name(), "default layer: the middle one (mid_late)");
            List<Double> obj = r.objectives();
            assertEquals(8, obj.size());
            // Within each octave the objective must rise from its first to its last step.
            assertTrue(obj.get(3) > obj.get(0) * 1.05, "octave 1 objective did not rise: " + obj);
            assertTrue(obj.get(7) > obj.get(4) * 1.05, "octave 2 objective did not rise: " + obj);
        }
        BufferedImage in = ImageIO.read(photo.toFile());
        BufferedImage o = ImageIO.read(out.toFile());
        assertEquals(in.getWidth(), o.getWidth());
        assertEquals(in.getHeight(), o.getHeight());
        long diff = 0;
        for (int y = 0; y < in.getHeight(); y += 3)
            for (int x = 0; x < in.getWidth(); x += 3)
                diff += Math.abs((in.getRGB(x, y) & 0xff) - (o.getRGB(x, y) & 0xff));
        double meanDiff = diff / ((in.getWidth() / 3.0) * (in.getHeight() / 3.0));
        assertTrue(meanDiff > 3, "the output should differ visibly from the input, mean |Δblue| = " + meanDiff);
    }
}
