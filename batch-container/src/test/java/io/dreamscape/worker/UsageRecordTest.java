package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.Estimate;
import io.dreamscape.job.ShardUsage;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.service.AssembleService;
import io.dreamscape.worker.WorkerRuns.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers record what each attempt of a shard used, a killed attempt up to its last octave end included, and assembly
 * shows the sum next to the estimate as {@code actual}.
 */
class UsageRecordTest {
    @TempDir
    Path dir;

    @Test
    void aKilledAttemptAndItsRetryAreBothCountedInTheActualCost() throws Exception {
        PlannedJob job = PlannedJob.create(180, 120, 1, PlannedJob.params(3, 4));
        String key = StorageLayout.shardUsageKey(job.id, 0);
        Path log = dir.resolve("attempt1.log");
        Process first = WorkerRuns.child(job.env(0), Files.createDirectories(dir.resolve("a1")), log, "--device", "cpu",
                "--step-delay-ms", "400");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!job.hasCheckpoint(0)) {
            assertTrue(first.isAlive(), "the worker ended before its first checkpoint:\n" + WorkerRuns.read(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint within 90 s:\n" + WorkerRuns.read(log));
            Thread.sleep(50);
        }
        Thread.sleep(300); // the usage record follows the checkpoint
        first.destroyForcibly(); // SIGKILL: no chance to write anything more
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        ShardUsage afterKill = ShardUsage.fromJson(job.objects.getBytes(key));
        assertEquals(1, afterKill.attempts().size());
        assertTrue(afterKill.wallSeconds() > 0.4, "the killed attempt's time up to its octave end: " + afterKill);
        assertTrue(afterKill.attempts().get(0).units() > 0, afterKill.toString());

        Run second = WorkerRuns.inProcess(job.env(0), Files.createDirectories(dir.resolve("a2")), "--device", "cpu");
        assertEquals(0, second.exit(), second.log());
        ShardUsage usage = ShardUsage.fromJson(job.objects.getBytes(key));
        assertEquals(2, usage.attempts().size(), usage.toString());
        assertEquals(afterKill.attempts().get(0), usage.attempts().get(0), "the earlier attempt's entry is kept");
        assertTrue(usage.attempts().get(1).dreamSeconds() > 0);
        assertTrue(usage.attempts().get(1).wallSeconds() >= usage.attempts().get(1).dreamSeconds());
        assertEquals("cpu", usage.attempts().get(1).device());
        assertTrue(usage.units() >= job.plan.totalWork(),
                "both attempts together dreamed at least the shard's work (the retry redoes what followed the checkpoint)");

        new AssembleService(job.objects, job.progress, Files.createDirectories(dir.resolve("assemble")))
                .assemble(job.id, JsonLog.of("test"));
        Estimate e = job.job().estimate();
        assertNotNull(e.actual(), "a completed job carries its actual usage");
        assertEquals(2, e.actual().attempts());
        assertEquals(Math.round(usage.wallSeconds() * 10) / 10.0, e.actual().gpuSeconds(), 0.051);
        assertEquals(Math.round(e.actual().gpuSeconds() / 3600 * e.dollarsPerGpuHour() * 1000) / 1000.0, e.actual().costUsd(), 0.0011);
        assertTrue(e.actual().workUnitsPerGpuSecond() > 0);
    }
}
