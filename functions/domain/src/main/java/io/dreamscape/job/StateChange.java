package io.dreamscape.job;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A state change asked of a progress store: the state to move to, the states it may move from, and the fields set with
 * it. Which moves are allowed is decided here (from {@link JobState#canMoveTo}), once, for every store: a store checks
 * {@link #allows} atomically with its write (DynamoDB renders {@link #allowedFrom()} into its condition expression; the
 * SQL and in-memory stores test it while they hold the job's row or lock) and writes what {@link #applyTo} gives.
 *
 * @param allowedFrom the states the job must be in; empty when nothing may move to {@code to} (RECEIVED)
 * @param patch       fields set together with the move; its null fields are left as they are
 */
public record StateChange(JobState to, Set<JobState> allowedFrom, JobPatch patch) {

    public StateChange {
        allowedFrom = Set.copyOf(allowedFrom);
        patch = patch == null ? JobPatch.NONE : patch;
    }

    /**
     * {@code from → to} only when the job is in {@code from} (a step that expects where the job is). A move the model
     * never allows is a programming error, not a race: it throws instead of answering false.
     */
    public static StateChange exactly(JobState from, JobState to, JobPatch patch) {
        if (!from.canMoveTo(to)) {
            throw new IllegalArgumentException("a job never moves " + from + " → " + to);
        }
        return new StateChange(to, Set.of(from), patch);
    }

    /**
     * To {@code to} from whatever earlier state the job is in; refused when it is already at or past {@code to} or
     * finished. {@code to == FAILED} fails any unfinished job.
     */
    public static StateChange advance(JobState to, JobPatch patch) {
        return new StateChange(to, JobState.predecessorsOf(to), patch);
    }

    public boolean allows(JobState current) {
        return allowedFrom.contains(current);
    }

    /**
     * For a store that holds the job (locked) and writes it back whole: the job to write, or empty when the move is
     * refused (no such job, or not in an allowed state).
     */
    public Optional<Job> next(Optional<Job> current, Instant now) {
        return current.filter(j -> allows(j.state())).map(j -> applyTo(j, now));
    }

    /** The job after the move: the new state, the patch's fields, {@code updatedAt = now}; everything else kept. */
    public Job applyTo(Job j, Instant now) {
        JobPatch p = patch;
        return new Job(j.jobId(), j.contentKey(), j.source(), to, j.createdAt(), now,
                or(p.format(), j.format()), or(p.width(), j.width()), or(p.height(), j.height()),
                or(p.parameters(), j.parameters()), j.outputName(),
                p.totalWork() != null ? p.totalWork() : j.totalWork(), j.workDone(), j.currentOctave(),
                or(p.shardWork(), j.shardWork()), j.shardDone(), j.shardOctave(), j.startedAt(), j.heartbeatAt(),
                or(p.estimate(), j.estimate()), or(p.outputKey(), j.outputKey()), or(p.previewKey(), j.previewKey()),
                or(p.thumbKey(), j.thumbKey()), or(p.error(), j.error()));
    }

    private static <T> T or(T value, T otherwise) {
        return value != null ? value : otherwise;
    }
}
