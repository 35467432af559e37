package io.dreamscape.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StateChange;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.ports.WorkReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The progress accounting and the small pure pieces of the worker. */
class ProgressReporterTest {
    /** Records counted work; answers false once {@code running} is off; throws while {@code down}. */
    static final class FakeStore implements ProgressStore {
        final List<Long> adds = new ArrayList<>();
        final List<Integer> octaves = new ArrayList<>();
        boolean running = true;
        boolean down;
        /** Applies the next write, then fails as if its answer was lost on the way back. */
        boolean loseNextAnswer;

        @Override
        public boolean count(JobId id, WorkReport report) throws IOException {
            if (down) throw new IOException("unreachable");
            if (!running) return false;
            adds.add(report.units());
            octaves.add(report.octave());
            if (loseNextAnswer) {
                loseNextAnswer = false;
                throw new IOException("connection reset after the write was applied");
            }
            return true;
        }

        long total() {
            return adds.stream().mapToLong(Long::longValue).sum();
        }

        @Override public Claim claim(String contentKey, JobId candidate, String executionId) { throw new UnsupportedOperationException(); }
        @Override public Optional<JobId> claimed(String contentKey) { throw new UnsupportedOperationException(); }
        @Override public boolean create(Job job) { throw new UnsupportedOperationException(); }
        @Override public Optional<Job> get(JobId id) { throw new UnsupportedOperationException(); }
        @Override public boolean change(JobId id, StateChange change) { throw new UnsupportedOperationException(); }
        @Override public long shardWorkDone(JobId id, int shard) { return total(); }
        @Override public Page list(String sourceKey, int limit, String cursor) { throw new UnsupportedOperationException(); }
    }

    private final long[] now = {0};
    private final JsonLog log = JsonLog.of("test");

    private ProgressReporter reporter(FakeStore store, long work, long counted) {
        return new ProgressReporter(store, JobId.random(), 0, work, counted, 10_000, () -> now[0], log);
    }

    @Test
    void aWriteWhoseAnswerWasLostIsNotCountedTwice() {
        FakeStore store = new FakeStore();
        ProgressReporter r = reporter(store, 1000, 0);
        r.progress(400, 0);
        store.loseNextAnswer = true;
        r.flush(); // applied in the store, but the reporter sees an error
        r.progress(1000, 1);
        r.flush(); // re-reads the shard's counter first, then adds only the rest
        assertEquals(1000, store.total());
        assertEquals(1000, r.counted());
    }

    @Test
    void writesAtMostOncePerIntervalAndSumsToExactlyTheWork() {
        FakeStore store = new FakeStore();
        ProgressReporter r = reporter(store, 1000, 0);
        for (int done = 10; done <= 1000; done += 10) {
            now[0] += 1000; // a tile every microsecond: a write every 10 tiles
            r.progress(done, done / 501);
        }
        r.flush();
        assertEquals(1000, store.total());
        assertTrue(store.adds.size() <= 11, "throttled: " + store.adds.size() + " writes");
        assertEquals(1, store.octaves.get(store.octaves.size() - 1));
    }

    @Test
    void aResumedAttemptCountsOnlyBeyondWhatIsAlreadyCounted() {
        FakeStore store = new FakeStore();
        // 600 counted by the killed attempt; the checkpoint was at 400, so the engine restarts its count there.
        ProgressReporter r = reporter(store, 1000, 600);
        for (long done = 400; done <= 1000; done += 50) {
            now[0] += 20_000;
            r.progress(done, 1);
        }
        r.flush();
        assertEquals(400, store.total(), "only the 400 units beyond the 600 already counted");
        assertTrue(store.adds.stream().allMatch(u -> u >= 0));
    }

    @Test
    void aRefusedWriteStopsTheShardAndAFailedOneKeepsItsUnitsPending() {
        FakeStore store = new FakeStore();
        ProgressReporter r = reporter(store, 1000, 0);
        store.down = true;
        now[0] += 20_000;
        r.progress(300, 0);
        assertEquals(0, r.counted());
        store.down = false;
        r.flush();
        assertEquals(300, store.total(), "the units of the failed write are sent with the next one");
        store.running = false;
        r.progress(500, 0);
        r.flush();
        assertTrue(r.jobStopped());
        assertEquals(300, r.counted());
    }

    @Test
    void anOverCountedShardIsNeverCountedFurther() {
        FakeStore store = new FakeStore();
        ProgressReporter r = reporter(store, 1000, 1200);
        r.progress(1000, 3);
        r.flush();
        assertEquals(0, store.total());
    }

    @Test
    void shardSeedsAreThePlanSeedForOneShardAndDistinctAndStableOtherwise() {
        assertEquals(42L, Worker.shardSeed(42L, 1, 0));
        assertEquals(Worker.shardSeed(42L, 3, 1), Worker.shardSeed(42L, 3, 1));
        assertNotEquals(Worker.shardSeed(42L, 3, 0), Worker.shardSeed(42L, 3, 1));
        assertNotEquals(Worker.shardSeed(42L, 3, 0), 42L);
    }

    @Test
    void deviceGpuFallsBackToTheCpuWithAWarningAndGpuNMustExist() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        JsonLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(Device.cpu(), DeviceChoice.resolve("gpu", 0, log));
            assertTrue(buf.toString(StandardCharsets.UTF_8).contains("\"level\":\"WARN\""));
            assertEquals(Device.gpu(0), DeviceChoice.resolve("gpu", 4, log));
            // one image on all four GPUs, said in the log
            assertEquals(4, DeviceChoice.all(Device.gpu(0), "gpu", 4, null, log).size());
            assertTrue(buf.toString(StandardCharsets.UTF_8).contains("one image on 4 devices (gpu:0-3)"));
            assertEquals(Device.gpu(2), DeviceChoice.resolve("gpu:2", 4, log));
            assertEquals(Device.cpu(), DeviceChoice.resolve("cpu", 4, log));
        } finally {
            JsonLog.redirect(System.out);
        }
        assertFalse(tryResolve("gpu:1", 1));
        assertFalse(tryResolve("gpu:0", 0));
        assertFalse(tryResolve("tpu", 1));
    }

    private boolean tryResolve(String text, int gpus) {
        try {
            DeviceChoice.resolve(text, gpus, log);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
