package io.dreamscape.ports;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StateChange;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The progress store in this process's memory, for fast service tests: the same rules as the DynamoDB and H2 stores
 * ({@link StateChange}, {@link WorkReport}), each call atomic under this object's lock, nothing kept after it is
 * dropped. {@code ProgressStoreContract} (test helpers) runs the same checks on all three.
 */
public final class InMemoryProgressStore implements ProgressStore {
    /** Newest first; equal creation times by job id, as the other stores' list keys ({@code createdAt#jobId}). */
    private static final Comparator<Job> NEWEST_FIRST =
            Comparator.comparing(Job::createdAt).thenComparing(j -> j.jobId().value()).reversed();

    private final Clock clock;
    private final Map<String, Claim> claims = new HashMap<>();
    private final Map<JobId, Job> jobs = new HashMap<>();

    public InMemoryProgressStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Claim claim(String contentKey, JobId candidate, String executionId) {
        Claim existing = claims.putIfAbsent(contentKey, new Claim(candidate, true, executionId));
        return existing == null
                ? new Claim(candidate, true, executionId)
                : new Claim(existing.jobId(), false, existing.executionId());
    }

    @Override
    public synchronized Optional<JobId> claimed(String contentKey) {
        return Optional.ofNullable(claims.get(contentKey)).map(Claim::jobId);
    }

    @Override
    public synchronized boolean create(Job job) {
        return jobs.putIfAbsent(job.jobId(), job) == null;
    }

    @Override
    public synchronized Optional<Job> get(JobId id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public synchronized boolean change(JobId id, StateChange change) {
        Optional<Job> next = change.next(get(id), clock.instant());
        next.ifPresent(j -> jobs.put(id, j));
        return next.isPresent();
    }

    @Override
    public synchronized boolean count(JobId id, WorkReport report) throws StaleCountException {
        Optional<Job> next = report.next(get(id), clock.instant());
        next.ifPresent(j -> jobs.put(id, j));
        return next.isPresent() || report.answerRefusal(id, get(id));
    }

    @Override
    public synchronized long shardWorkDone(JobId id, int shard) {
        Job job = jobs.get(id);
        return job == null ? 0 : job.shardDone().getOrDefault(shard, 0L);
    }

    /** The cursor is the last listed job's id. */
    @Override
    public synchronized Page list(String sourceKey, int limit, String cursor) {
        ProgressStore.checkLimit(limit);
        List<Job> matching = jobs.values().stream()
                .filter(j -> sourceKey == null || sourceKey.isEmpty() || j.source().key().equals(sourceKey))
                .sorted(NEWEST_FIRST).toList();
        int from = 0;
        if (cursor != null && !cursor.isEmpty()) {
            Job last = jobs.get(parseCursor(cursor));
            if (last == null) {
                throw new IllegalArgumentException(BAD_CURSOR);
            }
            from = (int) matching.stream().filter(j -> NEWEST_FIRST.compare(j, last) <= 0).count();
        }
        List<Job> page = new ArrayList<>(matching.subList(from, Math.min(matching.size(), from + limit)));
        String next = from + limit < matching.size() ? page.getLast().jobId().value() : null;
        return new Page(page, next);
    }

    private static JobId parseCursor(String cursor) {
        try {
            return JobId.of(cursor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(BAD_CURSOR);
        }
    }
}
