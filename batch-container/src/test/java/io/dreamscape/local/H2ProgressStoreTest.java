package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.ports.ProgressStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local progress store keeps the DynamoDB adapter's promises, and keeps them after a restart. */
class H2ProgressStoreTest {
    @TempDir
    Path dir;

    static Job job(String key, Instant created) {
        return Job.received(JobId.random(), new Source("dreamscape", key, null, "etag-" + key, 10), created);
    }

    @Test
    void theFirstClaimOfAContentKeyWinsAndLaterOnesLearnTheOwner() throws Exception {
        try (H2ProgressStore s = H2ProgressStore.open(dir)) {
            JobId a = JobId.random();
            ProgressStore.Claim first = s.claim("k1", a, "exec-1");
            ProgressStore.Claim second = s.claim("k1", JobId.random(), "exec-2");
            assertTrue(first.won());
            assertFalse(second.won());
            assertEquals(a, second.jobId());
            assertEquals("exec-1", second.executionId());
            assertEquals(a, s.claimed("k1").orElseThrow());
            assertEquals("exec-1", s.executionIdOf("k1").orElseThrow());
        }
    }

    @Test
    void statesOnlyMoveForwardAndAFinishedJobTakesNoMoreWork() throws Exception {
        try (H2ProgressStore s = H2ProgressStore.open(dir)) {
            Job j = job("uploads/a.jpg", Instant.now());
            assertTrue(s.create(j));
            assertFalse(s.create(j));
            assertFalse(s.transition(j.jobId(), JobState.VALIDATED, JobState.PLANNED, null));
            assertTrue(s.transition(j.jobId(), JobState.RECEIVED, JobState.VALIDATED, JobPatch.validated("JPEG", 4, 3, null)));
            assertTrue(s.transition(j.jobId(), JobState.VALIDATED, JobState.PLANNED,
                    JobPatch.planned(null, 100, List.of(60L, 40L), null)));
            assertTrue(s.addWork(j.jobId(), 1, 15, 0, Instant.now()));
            assertEquals(JobState.DREAMING, s.get(j.jobId()).orElseThrow().state());
            assertTrue(s.advance(j.jobId(), JobState.ASSEMBLING, null));
            assertFalse(s.addWork(j.jobId(), 0, 5, 0, Instant.now()), "no progress once assembling");
            assertFalse(s.advance(j.jobId(), JobState.DREAMING, null), "never backwards");
            assertTrue(s.transition(j.jobId(), JobState.ASSEMBLING, JobState.COMPLETED, JobPatch.completed("o", "p", "t")));
            assertFalse(s.fail(j.jobId(), "too late"));
            Job done = s.get(j.jobId()).orElseThrow();
            assertEquals(JobState.COMPLETED, done.state());
            assertEquals(15, done.workDone());
            assertEquals(15L, done.shardDone().get(1));
            assertEquals(4, done.width());
            assertEquals("o", done.outputKey());
            assertNull(done.error());
        }
    }

    @Test
    void concurrentProgressReportsAreAllCounted() throws Exception {
        try (H2ProgressStore s = H2ProgressStore.open(dir)) {
            Job j = job("uploads/b.jpg", Instant.now());
            s.create(j);
            s.advance(j.jobId(), JobState.PLANNED, JobPatch.planned(null, 1_000_000, List.of(500_000L, 500_000L), null));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Boolean>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int shard = i % 2;
                done.add(pool.submit(() -> s.addWork(j.jobId(), shard, 7, null, Instant.now())));
            }
            for (Future<Boolean> f : done) assertTrue(f.get());
            pool.shutdown();
            assertEquals(1400, s.get(j.jobId()).orElseThrow().workDone());
            assertEquals(700, s.shardWorkDone(j.jobId(), 0));
            assertEquals(700, s.shardWorkDone(j.jobId(), 1));
        }
    }

    @Test
    void aShardProcessConnectionSharesTheStoreAndCountsExactlyAlongsideLocalMode() throws Exception {
        try (H2ProgressStore s = H2ProgressStore.open(dir);
             H2ProgressStore shard = H2ProgressStore.connect(s.sharedUrl(), dir)) {
            assertTrue(s.sharedUrl().startsWith("jdbc:h2:tcp://127.0.0.1:"), s.sharedUrl());
            Job j = job("uploads/c.jpg", Instant.now());
            s.create(j);
            s.advance(j.jobId(), JobState.PLANNED, JobPatch.planned(null, 1000, List.of(1000L), null));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<Boolean>> done = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                H2ProgressStore via = i % 2 == 0 ? s : shard;
                done.add(pool.submit(() -> via.addWork(j.jobId(), 0, 3, null, Instant.now())));
            }
            for (Future<Boolean> f : done) assertTrue(f.get());
            pool.shutdown();
            assertEquals(300, shard.shardWorkDone(j.jobId(), 0));
            assertEquals(300, s.get(j.jobId()).orElseThrow().workDone());
        }
    }

    @Test
    void jobsAreListedNewestFirstInPagesAndByUploadKeyAndSurviveAReopen() throws Exception {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Set<JobId> ids = new HashSet<>();
        try (H2ProgressStore s = H2ProgressStore.open(dir)) {
            for (int i = 0; i < 5; i++) {
                Job j = job(i == 2 ? "uploads/special.jpg" : "uploads/n" + i + ".jpg", t0.plusSeconds(i));
                s.create(j);
                ids.add(j.jobId());
            }
        }
        try (H2ProgressStore s = H2ProgressStore.open(dir)) {
            ProgressStore.Page p1 = s.list(null, 2, null);
            ProgressStore.Page p2 = s.list(null, 2, p1.next());
            ProgressStore.Page p3 = s.list(null, 2, p2.next());
            assertEquals(List.of("uploads/n4.jpg", "uploads/n3.jpg"), p1.jobs().stream().map(j -> j.source().key()).toList());
            assertEquals(List.of("uploads/special.jpg", "uploads/n1.jpg"), p2.jobs().stream().map(j -> j.source().key()).toList());
            assertEquals(1, p3.jobs().size());
            assertNull(p3.next());
            assertEquals(1, s.list("uploads/special.jpg", 10, null).jobs().size());
            assertEquals(5, s.unfinished().size());
            Set<JobId> listed = new HashSet<>();
            for (ProgressStore.Page p : List.of(p1, p2, p3)) p.jobs().forEach(j -> listed.add(j.jobId()));
            assertEquals(ids, listed);
        }
    }
}
