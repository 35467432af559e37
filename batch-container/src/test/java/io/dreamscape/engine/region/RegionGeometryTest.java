package io.dreamscape.engine.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.TestFixtures;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.ShardOctaves;
import io.dreamscape.job.Wrap;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split dream's geometry with the tiny fixture network: a region that is the whole image reproduces the unsplit
 * dream bit for bit (the same octaves, resampling taps, tiles and normaliser), with and without a base; shards of a
 * split agree with the unsplit dream away from their region's edges.
 */
class RegionGeometryTest {
    @TempDir
    Path dir;

    private static DreamParameters params(int octaves, int steps, Wrap wrap) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model(TestFixtures.fixture("tiny_dict.pt").toString()).layers(List.of(LayerWeight.parse("conv2")))
                .octaves(octaves).octaveScale(1.4).steps(steps).stepSize(1.5).jitter(8).tile(64).seed(20261202L)
                .wrap(wrap).quality(95).build())
                .validated();
    }

    private FloatPlanes picture(int w, int h) {
        return TestImages.planes(TestImages.fixture(w, h), dir);
    }

    @Test
    void aSplitIntoOneRegionIsTheUnsplitDreamBitForBit() throws Exception {
        for (Wrap wrap : List.of(Wrap.NONE, Wrap.X)) {
            DreamParameters p = params(3, 2, wrap);
            try (DreamNetwork net = TestFixtures.tinyDict();
                 GradientStep g = new GradientStep(net, List.of(LayerWeight.parse("conv2")), Device.cpu());
                 FloatPlanes image = picture(200, 130)) {
                SplitHarness h = new SplitHarness(g, p, dir);
                Shard whole = new Shard(0, new Rect(0, 0, 200, 130), new Rect(0, 0, 200, 130), 0);
                try (FloatPlanes reference = h.whole(image)) {
                    for (int first = 0; first < 3; first++) {
                        FloatPlanes detail = first == 0 ? null
                                : BaseDream.detail(image, p, first, g, dir, new DreamListener() { }, null);
                        try (FloatPlanes split = h.refine(image, whole, first, detail)) {
                            assertEquals(0.0, BorderRatio.meanAbsDelta(reference, split), wrap + ", base octaves " + first);
                        } finally {
                            if (detail != null) detail.close();
                        }
                    }
                }
            }
        }
    }

    @Test
    void shardsAgreeWithTheUnsplitDreamInsideTheirCores() throws Exception {
        DreamParameters p = params(3, 3, Wrap.NONE);
        try (DreamNetwork net = TestFixtures.tinyDict();
             GradientStep g = new GradientStep(net, List.of(LayerWeight.parse("conv2")), Device.cpu());
             FloatPlanes image = picture(256, 160)) {
            SplitHarness h = new SplitHarness(g, p, dir);
            List<Shard> shards = SplitHarness.grid(256, 160, 2, 2, 48);
            try (FloatPlanes reference = h.whole(image);
                 FloatPlanes split = h.split(image, shards, 2);
                 FloatPlanes old = h.independent(image, shards)) {
                double splitDelta = BorderRatio.meanAbsDelta(reference, split);
                double oldDelta = BorderRatio.meanAbsDelta(reference, old);
                assertTrue(splitDelta < oldDelta / 3, "one dream: |Δ| " + splitDelta + " vs independent shards " + oldDelta);
            }
        }
    }

    @Test
    void regionsFollowTheWholePyramidAndRefuseAWrapTheyCannotHold() {
        DreamParameters p = params(3, 1, Wrap.NONE);
        ShardOctaves o = ShardOctaves.of(1000, 600, new Rect(400, 200, 300, 200), 1, p);
        assertEquals(new Rect(400, 200, 300, 200), o.region(2), "the last octave is the halo itself");
        Rect r1 = o.region(1);
        assertEquals(714, o.whole().get(1).width());
        assertTrue(r1.x() <= 400 * 714 / 1000 && r1.right() >= Math.ceil(700 * 714 / 1000.0), r1.toString());
        Rect b = o.baseRegion();
        assertTrue(b.x() <= r1.x() * 510 / 714 && b.right() >= r1.right() * 510 / 714, b.toString());
        assertEquals(o.sizes().get(0).width(), r1.width());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RegionGeometry(ShardOctaves.of(1000, 600, new Rect(400, 0, 300, 600), 0, params(3, 1, Wrap.X)),
                        params(3, 1, Wrap.X), null));
        assertTrue(e.getMessage().contains("whole width"), e.getMessage());
    }
}
