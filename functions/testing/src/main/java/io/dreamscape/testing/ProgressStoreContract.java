package io.dreamscape.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ProgressStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ProgressStore} promises, checked the same way on each: DynamoDB (dynalite on loopback), local
 * mode's H2 and the in-memory store extend this class and say only how to make a fresh, empty store on the given
 * clock. Checks that only one store can make (H2 surviving a reopen, DynamoDB refusing a forged cursor) stay in the
 * subclass. Times are whole seconds: DynamoDB keeps milliseconds.
 */
public abstract class ProgressStoreContract {
    protected final MovingClock clock = new MovingClock(Instant.parse("2026-05-01T10:00:00Z"));
    protected ProgressStore store;

    /** A fresh, empty store whose own timestamps ({@code updatedAt}) come from {@code clock}. */
    protected abstract ProgressStore newStore(Clock clock) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore(clock);
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    protected static Job newJob(String key, Instant created) {
        return Job.received(JobId.random(), new Source("bucket", key, null, "etag-" + key, 10), created);
    }

    private Job planned(int shards, long perShard) throws Exception {
        Job job = newJob("uploads/a.jpg", clock.instant());
        assertTrue(store.create(job));
        assertTrue(store.advance(job.jobId(), JobState.VALIDATED, JobPatch.NONE));
        List<Long> shardWork = new ArrayList<>();
        for (int i = 0; i < shards; i++) shardWork.add(perShard);
        assertTrue(store.transition(job.jobId(), JobState.VALIDATED, JobState.PLANNED,
                JobPatch.planned(null, shards * perShard, shardWork, null)));
        return job;
    }

    @Test
    void claimIsWonOnceAndTellsTheOwner() throws Exception {
        JobId first = JobId.random();
        ProgressStore.Claim a = store.claim("content", first, "exec-1");
        ProgressStore.Claim b = store.claim("content", JobId.random(), "exec-2");
        assertTrue(a.won());
        assertFalse(b.won());
        assertEquals(first, b.jobId());
        assertEquals("exec-1", b.executionId());
        assertEquals(first, store.claimed("content").orElseThrow());
        assertTrue(store.claimed("other").isEmpty());
    }

    @Test
    void createIsConditionalAndRoundTrips() throws Exception {
        Job job = newJob("uploads/x y.jpg", Instant.parse("2026-01-02T03:04:05.678Z"));
        assertTrue(store.create(job));
        assertFalse(store.create(job));
        Job read = store.get(job.jobId()).orElseThrow();
        assertEquals(job.source(), read.source());
        assertEquals(JobState.RECEIVED, read.state());
        assertEquals(job.createdAt(), read.createdAt());
        assertEquals(job.createdAt(), read.updatedAt());
        assertEquals("x y", read.outputName());
        assertTrue(store.get(JobId.random()).isEmpty());
    }

    @Test
    void concurrentProgressWritersCountExactly() throws Exception {
        Job job = planned(4, 1_000_000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            int shard = w % 4;
            for (int i = 0; i < 25; i++) {
                int octave = i / 10;
                results.add(pool.submit(() -> store.addWork(job.jobId(), shard, 37, octave, clock.instant())));
            }
        }
        for (Future<Boolean> f : results) assertTrue(f.get());
        pool.shutdown();
        Job read = store.get(job.jobId()).orElseThrow();
        assertEquals(8 * 25 * 37, read.workDone());
        for (int s = 0; s < 4; s++) {
            assertEquals(2 * 25 * 37, read.shardDone().get(s));
            assertEquals(2 * 25 * 37, store.shardWorkDone(job.jobId(), s));
        }
        assertEquals(JobState.DREAMING, read.state());
        assertNotNull(read.startedAt());
        assertNotNull(read.heartbeatAt());
        assertEquals(List.of(1_000_000L, 1_000_000L, 1_000_000L, 1_000_000L), read.shardWork());
        assertEquals(0, store.shardWorkDone(job.jobId(), 9));
    }

    @Test
    void recordedWorkCountsOnceEvenWhenTheSameRequestArrivesTwice() throws Exception {
        Job job = planned(2, 1000);
        JobId id = job.jobId();
        assertTrue(store.recordWork(id, 0, 0, 300, 0, clock.instant()));
        // the SDK retrying a request whose answer was lost: same expectation, same units
        assertTrue(store.recordWork(id, 0, 0, 300, 0, clock.instant()));
        assertEquals(300, store.get(id).orElseThrow().workDone());
        assertEquals(300, store.shardWorkDone(id, 0));
        assertTrue(store.recordWork(id, 0, 300, 200, 1, clock.instant()));
        assertThrows(ProgressStore.StaleCountException.class, () -> store.recordWork(id, 0, 100, 50, 1, clock.instant()));
        assertEquals(500, store.get(id).orElseThrow().workDone());
        assertTrue(store.advance(id, JobState.ASSEMBLING, JobPatch.NONE));
        assertFalse(store.recordWork(id, 1, 0, 10, 0, clock.instant()), "no progress once assembling");
        assertEquals(500, store.get(id).orElseThrow().workDone());
    }

    @Test
    void stateNeverMovesBackwardsAndAFinishedJobTakesNoMoreWork() throws Exception {
        Job job = newJob("uploads/a.jpg", clock.instant());
        JobId id = job.jobId();
        assertTrue(store.create(job));
        assertFalse(store.transition(id, JobState.VALIDATED, JobState.PLANNED, null), "not validated yet");
        assertTrue(store.transition(id, JobState.RECEIVED, JobState.VALIDATED, JobPatch.validated("JPEG", 4, 3, null)));
        assertTrue(store.transition(id, JobState.VALIDATED, JobState.PLANNED,
                JobPatch.planned(null, 100, List.of(60L, 40L), null)));
        assertTrue(store.addWork(id, 1, 15, 0, clock.instant()));
        assertEquals(JobState.DREAMING, store.get(id).orElseThrow().state());
        assertTrue(store.addWork(id, 0, 35, 0, clock.instant()));
        assertTrue(store.advance(id, JobState.ASSEMBLING, null));
        // late progress from a straggler must not count or move the job back to DREAMING
        assertFalse(store.addWork(id, 0, 50, 1, clock.instant()), "no progress once assembling");
        assertEquals(JobState.ASSEMBLING, store.get(id).orElseThrow().state());
        assertEquals(50, store.get(id).orElseThrow().workDone());
        assertFalse(store.advance(id, JobState.DREAMING, null), "never backwards");
        assertFalse(store.advance(id, JobState.PLANNED, JobPatch.NONE));
        assertFalse(store.transition(id, JobState.PLANNED, JobState.DREAMING, JobPatch.NONE));
        assertTrue(store.transition(id, JobState.ASSEMBLING, JobState.COMPLETED, JobPatch.completed("o", "p", "t")));
        assertFalse(store.fail(id, "too late"));
        assertFalse(store.advance(id, JobState.ASSEMBLING, JobPatch.NONE));
        Job done = store.get(id).orElseThrow();
        assertEquals(JobState.COMPLETED, done.state());
        assertNull(done.error());
        assertEquals("o", done.outputKey());
        assertEquals(100.0, done.percent());
        assertEquals(50, done.workDone());
        assertEquals(15L, done.shardDone().get(1));
        assertEquals(4, done.width(), "fields set by earlier moves are kept");
        assertThrows(IllegalArgumentException.class,
                () -> store.transition(id, JobState.COMPLETED, JobState.DREAMING, JobPatch.NONE));
    }

    @Test
    void failRecordsReasonFromAnyUnfinishedState() throws Exception {
        Job job = newJob("uploads/f.jpg", clock.instant());
        store.create(job);
        assertTrue(store.fail(job.jobId(), "the file is empty (0 bytes)"));
        Job read = store.get(job.jobId()).orElseThrow();
        assertEquals(JobState.FAILED, read.state());
        assertEquals("the file is empty (0 bytes)", read.error());
        assertFalse(store.fail(job.jobId(), "second reason"));
        assertEquals("the file is empty (0 bytes)", store.get(job.jobId()).orElseThrow().error(), "the first reason is kept");
        assertFalse(store.fail(JobId.random(), "absent"));
    }

    @Test
    void anAbsentJobTakesNoMovesAndNoWork() throws Exception {
        JobId absent = JobId.random();
        assertFalse(store.advance(absent, JobState.VALIDATED, JobPatch.NONE));
        assertFalse(store.transition(absent, JobState.RECEIVED, JobState.VALIDATED, JobPatch.NONE));
        assertFalse(store.addWork(absent, 0, 10, 0, clock.instant()));
        assertFalse(store.recordWork(absent, 0, 0, 10, 0, clock.instant()));
        assertEquals(0, store.shardWorkDone(absent, 0));
        assertTrue(store.get(absent).isEmpty());
    }

    @Test
    void workIsNeverNegativeAndPercentStopsAtAHundred() throws Exception {
        Job job = planned(1, 100);
        JobId id = job.jobId();
        assertThrows(IllegalArgumentException.class, () -> store.addWork(id, 0, -1, 0, clock.instant()));
        assertThrows(IllegalArgumentException.class, () -> store.recordWork(id, 0, 0, -1, 0, clock.instant()));
        assertThrows(IllegalArgumentException.class, () -> store.recordWork(id, 0, -1, 1, 0, clock.instant()));
        assertTrue(store.addWork(id, 0, 60, 0, clock.instant()));
        assertEquals(60.0, store.get(id).orElseThrow().percent());
        // a shard that over-counts (an earlier attempt's units counted again) never shows more than 100
        assertTrue(store.addWork(id, 0, 60, 0, clock.instant()));
        assertEquals(100.0, store.get(id).orElseThrow().percent());
        assertEquals(120, store.get(id).orElseThrow().workDone());
    }

    @Test
    void theJobsOctaveIsTheSlowestShards() throws Exception {
        Job job = planned(2, 1000);
        JobId id = job.jobId();
        assertTrue(store.addWork(id, 0, 10, null, clock.instant()));
        assertNull(store.get(id).orElseThrow().currentOctave());
        assertTrue(store.addWork(id, 0, 10, 2, clock.instant()));
        assertTrue(store.addWork(id, 1, 10, 1, clock.instant()));
        assertEquals(1, store.get(id).orElseThrow().currentOctave());
        assertTrue(store.addWork(id, 1, 10, null, clock.instant()), "no octave leaves the shard's as it was");
        Job read = store.get(id).orElseThrow();
        assertEquals(1, read.currentOctave());
        assertEquals(2, read.shardOctave().get(0));
        assertEquals(1, read.shardOctave().get(1));
    }

    @Test
    void timestampsComeFromTheClockAndTheWorkersHeartbeats() throws Exception {
        Instant created = clock.instant();
        Job job = newJob("uploads/t.jpg", created);
        JobId id = job.jobId();
        assertTrue(store.create(job));
        Instant validated = clock.advance(Duration.ofSeconds(5));
        assertTrue(store.advance(id, JobState.VALIDATED, JobPatch.NONE));
        Job read = store.get(id).orElseThrow();
        assertEquals(created, read.createdAt());
        assertEquals(validated, read.updatedAt());
        assertNull(read.startedAt());
        assertTrue(store.advance(id, JobState.PLANNED, JobPatch.planned(null, 100, List.of(100L), null)));

        // the heartbeat is the worker's time; updatedAt is the store's
        Instant firstBeat = clock.advance(Duration.ofSeconds(10));
        Instant written = clock.advance(Duration.ofSeconds(1));
        assertTrue(store.addWork(id, 0, 10, 0, firstBeat));
        read = store.get(id).orElseThrow();
        assertEquals(firstBeat, read.startedAt());
        assertEquals(firstBeat, read.heartbeatAt());
        assertEquals(written, read.updatedAt());

        Instant secondBeat = clock.advance(Duration.ofSeconds(30));
        assertTrue(store.recordWork(id, 0, 10, 30, 0, secondBeat));
        read = store.get(id).orElseThrow();
        assertEquals(firstBeat, read.startedAt(), "dreaming started at the first report");
        assertEquals(secondBeat, read.heartbeatAt());
        assertEquals(secondBeat, read.updatedAt());
        assertEquals(47, read.etaSeconds(clock.instant()), "40 of 100 units in the 31 s since the first report: 46.5 s left");
    }

    @Test
    void listsNewestFirstInPagesAndFiltersBySourceKey() throws Exception {
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        List<JobId> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Job job = newJob(i % 2 == 0 ? "uploads/even.jpg" : "uploads/odd-" + i + ".jpg", t0.plusSeconds(i));
            store.create(job);
            ids.add(job.jobId());
        }
        store.claim("not-a-job", JobId.random(), null);
        List<JobId> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ProgressStore.Page page = store.list(null, 3, cursor);
            assertTrue(page.jobs().size() <= 3);
            page.jobs().forEach(j -> seen.add(j.jobId()));
            cursor = page.next();
            pages++;
        } while (cursor != null && pages < 10);
        List<JobId> expected = new ArrayList<>(ids);
        Collections.reverse(expected);
        assertEquals(expected, seen);
        assertTrue(pages >= 3);

        ProgressStore.Page even = store.list("uploads/even.jpg", 100, null);
        assertEquals(4, even.jobs().size());
        assertTrue(even.jobs().stream().allMatch(j -> j.source().key().equals("uploads/even.jpg")));
        assertEquals(ids.get(6), even.jobs().get(0).jobId());
        Set<JobId> unique = new HashSet<>(seen);
        assertEquals(7, unique.size());
        assertThrows(IllegalArgumentException.class, () -> store.list(null, 0, null));
        assertThrows(IllegalArgumentException.class, () -> store.list(null, 101, null));
    }
}
