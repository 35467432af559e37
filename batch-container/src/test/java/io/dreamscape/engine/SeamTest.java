package io.dreamscape.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No visible tile grid (issue 10): on a smooth image, the seam score ({@link SeamScore}) of a tiled dream stays within
 * 1.3 × the untiled dream's and at most 2.0, on both axes, at tile 128 and at the default tile.
 */
class SeamTest {
    @TempDir
    Path scratch;

    @Test
    void tinyModelTiledDreamHasNoTileLines() throws Exception {
        try (DreamNetwork net = TestFixtures.tinyDict()) {
            check(net, "conv3", 768, 384);
        }
    }

    @Test
    void mobileNetV2TiledDreamHasNoTileLines() throws Exception {
        Path model = TestFixtures.shared("models/mobilenet_v2_1.0_224_quant_dream.pt");
        try (DreamNetwork net = TorchScriptNetwork.load(model, Device.cpu())) {
            check(net, "expanded_conv_6/expand", 640, 256);
        }
    }

    private void check(DreamNetwork net, String layer, int w, int h) {
        List<LayerWeight> layers = List.of(new LayerWeight(layer, 1.0));
        try (GradientStep g = new GradientStep(net, layers, Device.cpu());
             FloatPlanes img = SeamScore.smoothFixture(w, h, scratch)) {
            SeamScore untiled = score(g, img, layers, Math.max(w, h));
            for (int tile : new int[] {128, DreamParameters.defaults().tile()}) {
                SeamScore tiled = score(g, img, layers, tile);
                String what = "tile " + tile + ": " + tiled + " vs untiled " + untiled;
                assertTrue(tiled.columns() <= Math.min(2.0, 1.3 * untiled.columns()), what);
                assertTrue(tiled.rows() <= Math.min(2.0, 1.3 * untiled.rows()), what);
            }
        }
    }

    private SeamScore score(GradientStep g, FloatPlanes img, List<LayerWeight> layers, int tile) {
        // The case: one octave, 8 steps of 3, no jitter (so nothing hides the tile borders of the last step).
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model("m").layers(layers).octaves(1).steps(8).stepSize(3.0).jitter(0).tile(tile).seed(5L)
                .wrap(io.dreamscape.job.Wrap.NONE).build()).validated();
        try (FloatPlanes out = new DreamEngine(g, p, scratch).dream(img, new DreamListener() { })) {
            return SeamScore.of(img, out);
        }
    }
}
