package io.dreamscape.aws;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.testing.Loopback;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DynamoProgressStoreTest {
    private final DynamoProgressStore store = Loopback.get().newTable();

    private static Job newJob(String key, Instant created) {
        return Job.received(JobId.random(), new Source("bucket", key, null, "etag-" + key, 10), created);
    }

    private Job planned(int shards, long perShard) throws Exception {
        Job job = newJob("uploads/a.jpg", Instant.now());
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
                results.add(pool.submit(() -> store.addWork(job.jobId(), shard, 37, octave, Instant.now())));
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
        assertTrue(store.recordWork(id, 0, 0, 300, 0, Instant.now()));
        // the SDK retrying a request whose answer was lost: same expectation, same units
        assertTrue(store.recordWork(id, 0, 0, 300, 0, Instant.now()));
        assertEquals(300, store.get(id).orElseThrow().workDone());
        assertEquals(300, store.shardWorkDone(id, 0));
        assertTrue(store.recordWork(id, 0, 300, 200, 1, Instant.now()));
        assertThrows(ProgressStore.StaleCountException.class, () -> store.recordWork(id, 0, 100, 50, 1, Instant.now()));
        assertEquals(500, store.get(id).orElseThrow().workDone());
        assertTrue(store.advance(id, JobState.ASSEMBLING, JobPatch.NONE));
        assertFalse(store.recordWork(id, 1, 0, 10, 0, Instant.now()), "no progress once assembling");
        assertEquals(500, store.get(id).orElseThrow().workDone());
    }

    @Test
    void stateNeverMovesBackwards() throws Exception {
        Job job = planned(1, 100);
        JobId id = job.jobId();
        assertTrue(store.addWork(id, 0, 50, 0, Instant.now()));
        assertTrue(store.advance(id, JobState.ASSEMBLING, JobPatch.NONE));
        // late progress from a straggler must not count or move the job back to DREAMING
        assertFalse(store.addWork(id, 0, 50, 1, Instant.now()));
        assertEquals(JobState.ASSEMBLING, store.get(id).orElseThrow().state());
        assertEquals(50, store.get(id).orElseThrow().workDone());
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
        assertThrows(IllegalArgumentException.class,
                () -> store.transition(id, JobState.COMPLETED, JobState.DREAMING, JobPatch.NONE));
    }

    @Test
    void failRecordsReasonFromAnyUnfinishedState() throws Exception {
        Job job = newJob("uploads/f.jpg", Instant.now());
        store.create(job);
        assertTrue(store.fail(job.jobId(), "the file is empty (0 bytes)"));
        Job read = store.get(job.jobId()).orElseThrow();
        assertEquals(JobState.FAILED, read.state());
        assertEquals("the file is empty (0 bytes)", read.error());
        assertFalse(store.fail(job.jobId(), "second reason"));
        assertFalse(store.fail(JobId.random(), "absent"));
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
        java.util.Collections.reverse(expected);
        assertEquals(expected, seen);
        assertTrue(pages >= 3);

        ProgressStore.Page even = store.list("uploads/even.jpg", 100, null);
        assertEquals(4, even.jobs().size());
        assertTrue(even.jobs().stream().allMatch(j -> j.source().key().equals("uploads/even.jpg")));
        assertEquals(ids.get(6), even.jobs().get(0).jobId());
        Set<JobId> unique = new HashSet<>(seen);
        assertEquals(7, unique.size());
        assertThrows(IllegalArgumentException.class, () -> store.list(null, 3, "garbage!"));
    }
}
