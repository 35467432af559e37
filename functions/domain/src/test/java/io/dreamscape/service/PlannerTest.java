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

    // ---- one image on the GPUs of one instance

    /** The target set so that 4000×3000 takes 2.2 targets on one GPU. */
    private static final PlannerConfig TARGET_30S = new PlannerConfig(1.5e7,
            OctaveSizes.totalWork(4000, 3000, P) / 1.5e7 / 2.2, 64, 1.0, 60, null);

    @Test
    void aMultiGpuInstanceThatMeetsTheTargetIsPreferredToShards() {
        // 4000×3000 on one GPU is 2.2× the target, on 4 GPUs at 0.85: 2.2 / 3.4 = 0.65×.
        PlannerConfig c = TARGET_30S.withMultiGpu(4, 0.85, 5.672);
        long whole = OctaveSizes.totalWork(4000, 3000, P);
        double oneGpu = whole / c.workUnitsPerGpuSecond();
        assertTrue(oneGpu > c.targetShardSeconds() && oneGpu / (4 * 0.85) <= c.targetShardSeconds(), "fixture: " + oneGpu);
        Plan p = plan(4000, 3000, c);
        assertEquals(1, p.shardCount(), "one shard: no borders");
        assertEquals(4, p.devices());
        assertEquals(0, p.halo());
        assertEquals(new Rect(0, 0, 4000, 3000), p.shard(0).withHalo());
        assertEquals(whole, p.totalWork(), "no halo dreamed twice");
        double wall = oneGpu / (4 * 0.85) + c.overheadSecondsPerShard();
        assertEquals(Math.round(wall * 10) / 10.0, p.estimate().wallSeconds(), 0.05);
        assertEquals(Math.round(4 * wall * 10) / 10.0, p.estimate().gpuSeconds(), 0.05);
        assertEquals(Math.round(wall / 3600 * 5.672 * 1000) / 1000.0, p.estimate().costUsd(), 1e-9);
        assertEquals(5.672, p.estimate().dollarsPerGpuHour());
        // and without the instance the same image is split
        Plan split = plan(4000, 3000, TARGET_30S);
        assertTrue(split.shardCount() > 1);
        assertEquals(1, split.devices());
    }

    @Test
    void tooLargeForTheMultiGpuInstanceFallsBackToShardsAndSmallImagesStayOnOneGpu() {
        PlannerConfig c = TARGET_30S.withMultiGpu(4, 0.85, 5.672);
        Plan big = plan(12000, 8000, c); // 8× the pixels: ~5.8× the target even on 4 GPUs
        assertTrue(big.shardCount() > 1);
        assertEquals(1, big.devices());
        Plan small = plan(1000, 800, c); // fits one GPU: no need for the bigger, dearer instance
        assertEquals(1, small.shardCount());
        assertEquals(1, small.devices());
        // a lower efficiency can tip the choice back to shards
        Plan slow = plan(4000, 3000, TARGET_30S.withMultiGpu(4, 0.5, 5.672));
        assertTrue(slow.shardCount() > 1, "2.2 / (4 × 0.5) > 1");
    }

    @Test
    void theDeviceCountIsInPlanJsonAndOldPlansReadAsOneGpu() {
        Plan p = plan(4000, 3000, TARGET_30S.withMultiGpu(4, 0.85, 5.672));
        Plan back = Plan.fromJson(p.toJson());
        assertEquals(4, back.devices());
        assertEquals(p, back);
        String old = new String(plan(300, 200, PlannerConfig.DEFAULT).toJson(), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll(",\\s*\"devices\"\\s*:\\s*1", "");
        assertFalse(old.contains("\"devices\""), old);
        assertEquals(1, Plan.fromJson(old.getBytes(java.nio.charset.StandardCharsets.UTF_8)).devices());
    }

    @Test
    void multiGpuSettingsComeFromTheEnvironmentAndAreCheckedWithASentence() {
        PlannerConfig c = PlannerConfig.fromEnv(java.util.Map.of("MULTI_GPU_DEVICES", "4", "MULTI_GPU_EFFICIENCY", "0.9",
                "MULTI_GPU_DOLLARS_PER_HOUR", "4.6"));
        assertEquals(4, c.multiGpuDevices());
        assertEquals(0.9, c.multiGpuEfficiency());
        assertEquals(4.6, c.multiGpuDollarsPerHour());
        assertEquals(1, PlannerConfig.fromEnv(java.util.Map.of()).multiGpuDevices(), "off unless the stack says so");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlannerConfig.fromEnv(java.util.Map.of("MULTI_GPU_EFFICIENCY", "1.5")));
        assertTrue(e.getMessage().contains("MULTI_GPU_EFFICIENCY must be in (0, 1]"), e.getMessage());
    }
}
