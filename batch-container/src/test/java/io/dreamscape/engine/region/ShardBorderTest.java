package io.dreamscape.engine.region;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.TestFixtures;
import io.dreamscape.engine.model.TorchScriptNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Shard;
import io.dreamscape.service.Planner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's border measure with a real ImageNet network (MobileNetV2 from ../shared; skipped without it) on a
 * generated picture cut into K = 4 shards the way the workflow runs them (base of the low octaves, shards refining
 * the last {@link Planner#SHARD_OCTAVES}, feathered blend): the detail in the band around each border keeps at least
 * 0.9 of the image's typical detail — one dream, not two averaged.
 */
class ShardBorderTest {
    @TempDir
    Path dir;

    @Test
    void shardBordersKeepTheDetailOfTheWholeImage() throws Exception {
        Path model = TestFixtures.shared("models/mobilenet_v2_1.0_224_quant_dream.pt");
        DreamParameters p = DreamParameters.defaults().with(ParameterOverrides.builder()
                .model(model.toString()).octaves(4).octaveScale(1.4).steps(4).stepSize(3.0).jitter(16).tile(128)
                .seed(7L).build()).validated();
        int w = 448;
        int h = 320;
        int halo = p.tile() / 2 + p.jitter() + OctaveSizes.contextMargin(p.tile());
        try (TorchScriptNetwork net = TorchScriptNetwork.load(model, Device.cpu());
             GradientStep g = new GradientStep(net, LayerSelection.resolve(p, net.layers()), Device.cpu());
             FloatPlanes image = TestImages.planes(TestImages.fixture(w, h), dir)) {
            SplitHarness harness = new SplitHarness(g, p, dir);
            List<Shard> shards = SplitHarness.grid(w, h, 2, 2, halo);
            List<List<Integer>> borders = SplitHarness.borders(shards, w, h);
            try (FloatPlanes split = harness.split(image, shards, p.octaves() - Planner.SHARD_OCTAVES)) {
                BorderRatio r = BorderRatio.of(image, split, borders.get(0), borders.get(1), halo);
                assertTrue(r.borders() == 2 && r.min() >= 0.9, "border detail ratio " + r);
            }
        }
    }
}
