package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.testing.ProgressStoreContract;
import java.nio.file.Path;
import java.time.Clock;
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

/**
 * The local progress store keeps the DynamoDB adapter's promises ({@link ProgressStoreContract}), and keeps them after a
 * restart and across local mode's shard processes. The contract's store lives in {@code dir/contract}; the checks here
 * open their own stores in other folders of {@code dir}.
 */
class H2ProgressStoreTest extends ProgressStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ProgressStore newStore(Clock clock) throws Exception {
        return H2ProgressStore.open(dir.resolve("contract"), clock);
    }

    @Test
    void theExecutionIdOfAClaimIsKeptForAResume() throws Exception {
        H2ProgressStore s = (H2ProgressStore) store;
        s.claim("k1", JobId.random(), "exec-1");
        s.claim("k1", JobId.random(), "exec-2");
        assertEquals("exec-1", s.executionIdOf("k1").orElseThrow());
    }

    @Test
    void aShardProcessConnectionSharesTheStoreAndCountsExactlyAlongsideLocalMode() throws Exception {
        Path shared = dir.resolve("shared");
        try (H2ProgressStore s = H2ProgressStore.open(shared);
             H2ProgressStore shard = H2ProgressStore.connect(s.sharedUrl(), shared)) {
            assertTrue(s.sharedUrl().startsWith("jdbc:h2:tcp://127.0.0.1:"), s.sharedUrl());
            Job j = newJob("uploads/c.jpg", Instant.now());
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
        Path reopened = dir.resolve("reopened");
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Set<JobId> ids = new HashSet<>();
        try (H2ProgressStore s = H2ProgressStore.open(reopened)) {
            for (int i = 0; i < 5; i++) {
                Job j = newJob(i == 2 ? "uploads/special.jpg" : "uploads/n" + i + ".jpg", t0.plusSeconds(i));
                s.create(j);
                ids.add(j.jobId());
            }
        }
        try (H2ProgressStore s = H2ProgressStore.open(reopened)) {
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
