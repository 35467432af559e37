package io.dreamscape.service;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.ShardOctaves;
import io.dreamscape.job.Source;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final Source SRC = new Source("b", "uploads/x.jpg", null, "e", 1);
    private static final DreamParameters P = DreamParameters.defaults().withSeed(42);

    private static Plan plan(int w, int h, PlannerConfig c) {
        return new Planner(c).plan(JobId.random(), SRC, "JPEG", w, h, P, Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void smallImagesAreOneShardWithoutHalo() {
        Plan p = plan(300, 200, PlannerConfig.DEFAULT);
        assertEquals(1, p.shardCount());
        assertEquals(1, p.arraySize());
        Shard s = p.shard(0);
        assertEquals(new Rect(0, 0, 300, 200), s.core());
        assertEquals(s.core(), s.withHalo());
        assertEquals(OctaveSizes.totalWork(300, 200, P), p.totalWork());
        assertEquals(4, p.octaves().size());
        assertEquals(new OctaveSizes.Size(300, 200), p.octaves().get(3));
        assertTrue(p.estimate().costUsd() > 0);
        assertEquals(4, p.passes().size());
        assertEquals(1, p.passes().get(3).tilesX() * p.passes().get(3).tilesY(), "300×200 fits one 512 tile");
        assertEquals(p.totalWork(), p.passes().stream().mapToLong(o -> o.work()).sum());
        assertFalse(p.hasBase(), "one shard pays for no base job");
        assertEquals(0, p.baseOctaves());
        assertEquals(0, p.baseWork());
    }

    @Test
    void largeImagesAreSplitSoEachChildFitsTheTarget() {
        PlannerConfig c = new PlannerConfig(1.5e7, 30, 64, 1.0, 60, null);
        int w = 12000;
        int h = 8000;
        Plan p = plan(w, h, c);
        assertTrue(p.shardCount() > 1, "shards: " + p.shardCount());
        long corePixels = 0;
        for (int i = 0; i < p.shardCount(); i++) {
            Shard s = p.shard(i);
            corePixels += s.core().pixels();
            assertTrue(s.halo().contains(s.core()));
            assertTrue(new Rect(0, 0, w, h).contains(s.halo()));
            assertTrue(s.work() / c.workUnitsPerGpuSecond() <= c.targetShardSeconds(), "shard " + i + " too long");
            // a shard refines the last octave(s) of its region in the whole image's pyramid; the base does the rest
            assertEquals(ShardOctaves.of(w, h, s.halo(), p.baseOctaves(), P).work(P), s.work());
            for (int j = i + 1; j < p.shardCount(); j++) {
                Rect a = s.core();
                Rect b = p.shard(j).core();
                boolean overlap = a.x() < b.right() && b.x() < a.right() && a.y() < b.bottom() && b.y() < a.bottom();
                assertFalse(overlap, "cores " + i + " and " + j + " overlap");
            }
        }
        assertEquals((long) w * h, corePixels, "cores tile the image exactly");
        assertEquals(Plan.VERSION, p.version());
        assertEquals(P.octaves() - Planner.SHARD_OCTAVES, p.baseOctaves());
        assertTrue(p.hasBase());
        assertEquals(p.shardCount(), p.baseIndex());
        long base = 0;
        for (int k = 0; k < p.baseOctaves(); k++) {
            base += OctaveSizes.stepWork(p.octaves().get(k).width(), p.octaves().get(k).height(), P) * P.steps();
        }
        assertEquals(base, p.baseWork(), "the base dreams the whole image's low octaves");
        assertEquals(p.baseWork() + p.shards().stream().mapToLong(Shard::work).sum(), p.totalWork());
        double slowest = p.shards().stream().mapToLong(Shard::work).max().orElseThrow() / c.workUnitsPerGpuSecond();
        assertEquals(Math.round((base / c.workUnitsPerGpuSecond() + slowest + 2 * c.overheadSecondsPerShard()) * 10)
                / 10.0, p.estimate().wallSeconds(), 0.11, "wall time: the base, then the slowest shard");
        assertTrue(p.halo() >= 64);
        assertEquals("jobs/" + p.jobId() + "/shards/3.png", p.shard(3).resultKey(p.jobId()));
    }

    @Test
    void neverMoreShardsThanAllowed() {
        Plan p = plan(30000, 30000, new PlannerConfig(1e6, 10, 16, 1.0, 0, null));
        assertTrue(p.shardCount() <= 16, "shards: " + p.shardCount());
    }

    @Test
    void aGridNeverHasMoreCellsThanAllowedWhateverTheAspectRatio() {
        for (int w = 7000; w <= 13000; w += 250) {
            int[] g = Planner.grid(64, w, 10000, 64);
            assertTrue(g[0] * g[1] <= 64, w + "×10000 gave " + g[0] + "×" + g[1]);
            assertTrue(g[0] * g[1] >= 48, "still about k cells: " + g[0] + "×" + g[1]);
        }
        Plan p = plan(7700, 10000, new PlannerConfig(1e3, 10, 64, 1.0, 0, null));
        assertTrue(p.shardCount() <= 64, "plan has " + p.shardCount() + " shards");
    }

    @Test
    void planJsonRoundTripsForTheWorker() {
        Plan p = plan(5000, 3000, new PlannerConfig(1.5e7, 60, 64, 1.0, 60, 100));
        Plan back = Plan.fromJson(p.toJson());
        assertEquals(p, back);
        String json = new String(p.toJson(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"seed\" : 42"), json.substring(0, 400));
        assertTrue(json.contains("\"halo\" : {"), "shards carry their halo rectangles");
    }

    @Test
    void wrappedImagesAreCutIntoBandsThatSpanTheWrappedAxisAndTexturesAreNotSplit() {
        PlannerConfig c = new PlannerConfig(1.5e7, 30, 64, 1.0, 60, null);
        Plan x = new Planner(c).plan(JobId.random(), SRC, "JPEG", 12000, 6000, P.with(wrap(io.dreamscape.job.Wrap.X)),
                Instant.now());
        assertTrue(x.shardCount() > 1);
        for (Shard s : x.shards()) {
            assertEquals(0, s.halo().x());
            assertEquals(12000, s.halo().width(), "a 360° panorama's shard wraps onto its own opposite edge");
        }
        Plan xy = new Planner(c).plan(JobId.random(), SRC, "JPEG", 12000, 8000, P.with(wrap(io.dreamscape.job.Wrap.XY)),
                Instant.now());
        assertEquals(1, xy.shardCount(), "a seamless texture is dreamt whole");
    }

    private static io.dreamscape.job.ParameterOverrides wrap(io.dreamscape.job.Wrap w) {
        return new io.dreamscape.job.ParameterOverrides(null, null, null, null, null, null, null, null, null, null, w,
                null, null);
    }

    @Test
    void anOlderPlanIsRefusedWithASentenceSayingWhatToDo() {
        Plan p = plan(5000, 3000, new PlannerConfig(1.5e7, 60, 64, 1.0, 60, 100));
        String v1 = new String(p.toJson(), java.nio.charset.StandardCharsets.UTF_8)
                .replaceFirst("\"version\" : 2", "\"version\" : 1");
        Plan.UnsupportedVersion e = assertThrows(Plan.UnsupportedVersion.class,
                () -> Plan.fromJson(v1.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("version 1") && e.getMessage().contains("reads version 2")
                && e.getMessage().contains("upload the image again"), e.getMessage());
    }

    @Test
    void theSeedIsChosenBeforePlanning() {
        assertThrows(IllegalArgumentException.class, () -> new Planner(PlannerConfig.DEFAULT)
                .plan(JobId.random(), SRC, "JPEG", 10, 10, DreamParameters.defaults(), Instant.now()));
    }
}
