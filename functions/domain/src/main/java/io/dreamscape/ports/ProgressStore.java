package io.dreamscape.ports;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Job records and their progress: one record per job. Implemented on DynamoDB by
 * {@code io.dreamscape.aws.DynamoProgressStore}; local mode implements it on its embedded store. Every write is a
 * single-record atomic operation (no transactions): counters are atomic adds, state changes are conditional.
 */
public interface ProgressStore {

    /** The outcome of claiming an upload's content key: who owns it, and whether the caller just won it. */
    record Claim(JobId jobId, boolean won, String executionId) {
    }

    /** A page of jobs, newest first; {@code next} is an opaque cursor for the following page, null on the last. */
    record Page(List<Job> jobs, String next) {
    }

    /**
     * Claims {@code contentKey} for {@code candidate} unless another job has it (conditional put). Returns the owner:
     * {@code won} is true when {@code candidate} now owns it. {@code executionId} (may be null) is stored with the
     * claim so that a retry of the same workflow execution can tell itself from a duplicate.
     */
    Claim claim(String contentKey, JobId candidate, String executionId) throws IOException;

    /** Looks up the owner of a content key. */
    Optional<JobId> claimed(String contentKey) throws IOException;

    /** Creates the job record if no record with its id exists; false if one does. */
    boolean create(Job job) throws IOException;

    Optional<Job> get(JobId id) throws IOException;

    /** Moves {@code from → to} (and applies the patch) only if the job is in {@code from}; false otherwise. */
    boolean transition(JobId id, JobState from, JobState to, JobPatch patch) throws IOException;

    /**
     * Moves to {@code to} from whatever earlier state the job is in ({@link JobState#canMoveTo}); false when the job
     * is already at or past {@code to}, finished, or absent. {@code to == FAILED} fails any unfinished job.
     */
    boolean advance(JobId id, JobState to, JobPatch patch) throws IOException;

    /** Records FAILED with a reason a person can act on; false when the job is already finished or absent. */
    default boolean fail(JobId id, String reason) throws IOException {
        return advance(id, JobState.FAILED, JobPatch.failed(reason));
    }

    /**
     * Adds {@code units} of finished work for {@code shard} (atomic; many workers at once): the job's total and the
     * shard's own counter, sets the shard's and the job's current octave when given, and the heartbeat. Also moves
     * PLANNED to DREAMING on the first report. Returns false, and counts nothing, when the job is not PLANNED or
     * DREAMING (failed, cancelled, already assembling): the worker should stop.
     *
     * <p>{@code units} are pixels × steps finished, in the shard's own octave sizes (see
     * {@link io.dreamscape.job.Shard#work()}); {@code octave} is the 0-based index of the octave being dreamed,
     * smallest first (null leaves it unchanged). Report every few seconds, not every tile. Adds are not idempotent:
     * a resumed attempt reads {@link #shardWorkDone} first and only adds what goes beyond it.
     */
    boolean addWork(JobId id, int shard, long units, Integer octave, Instant heartbeat) throws IOException;

    /**
     * {@link #addWork} exactly once: moves the shard's counter from {@code counted} (what the caller knows is stored) to
     * {@code counted + units}, and the job's total by {@code units}. A request that was applied but whose answer was
     * lost, then retried, finds the counter already at {@code counted + units} and succeeds without adding again.
     * Throws {@link StaleCountException} when the counter holds anything else: re-read {@link #shardWorkDone}.
     * The default delegates to {@link #addWork}, right for stores whose writes cannot be applied twice.
     */
    default boolean recordWork(JobId id, int shard, long counted, long units, Integer octave, Instant heartbeat)
            throws IOException {
        return addWork(id, shard, units, octave, heartbeat);
    }

    /** The shard's stored counter is not what the writer expected (it was written by someone else). */
    final class StaleCountException extends IOException {
        public StaleCountException(String message) {
            super(message);
        }
    }

    /** What {@code shard} has counted so far (a resumed attempt continues from here instead of counting twice). */
    long shardWorkDone(JobId id, int shard) throws IOException;

    /** Jobs newest first; {@code sourceKey} (nullable) keeps only jobs of that upload key; {@code limit} 1-100. */
    Page list(String sourceKey, int limit, String cursor) throws IOException;
}
