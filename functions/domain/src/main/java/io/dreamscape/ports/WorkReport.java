package io.dreamscape.ports;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Finished work a worker reports for one shard ({@link ProgressStore#addWork}, {@link ProgressStore#recordWork}), and
 * the accounting rules every progress store applies to it, decided here once:
 * <ul>
 *   <li>units are never negative, so the job's count and its percent never go backwards;</li>
 *   <li>only a job that {@linkplain JobState#acceptsWork() accepts work} (PLANNED, DREAMING) counts it; the first report
 *   moves it to {@link #MOVES_TO DREAMING} and sets {@code startedAt} to its heartbeat;</li>
 *   <li>every counted report sets the heartbeat and, when given, the shard's octave; the job's current octave is the
 *   lowest any shard reports ({@link #currentOctave}: the slowest shard);</li>
 *   <li>an exactly-once report ({@link #exactlyOnce}) counts only while the shard's stored counter is what the writer
 *   expects; the same request delivered again finds the counter already moved by its units and succeeds without
 *   counting twice ({@link #answerRefusal}).</li>
 * </ul>
 * A store checks {@link #accepts} atomically with its write: DynamoDB renders {@link JobState#acceptingWork()} and
 * {@link #expected()} into its condition expression; the SQL and in-memory stores test them while they hold the job.
 *
 * @param expected the shard counter the writer knows is stored; null for a plain add (counted whatever is stored)
 */
public record WorkReport(int shard, long units, Integer octave, Instant heartbeat, Long expected) {
    /** The state a job that accepts work is in once work is counted. */
    public static final JobState MOVES_TO = JobState.DREAMING;

    public WorkReport {
        if (units < 0 || (expected != null && expected < 0)) {
            throw new IllegalArgumentException("work units are never negative: "
                    + (expected == null ? "" : expected + " + ") + units);
        }
    }

    /** Adds {@code units} to whatever the shard has counted (not idempotent). */
    public static WorkReport add(int shard, long units, Integer octave, Instant heartbeat) {
        return new WorkReport(shard, units, octave, heartbeat, null);
    }

    /** Moves the shard's counter from {@code counted} to {@code counted + units}, exactly once. */
    public static WorkReport exactlyOnce(int shard, long counted, long units, Integer octave, Instant heartbeat) {
        return new WorkReport(shard, units, octave, heartbeat, counted);
    }

    /** The shard's counter once this report is counted (exactly-once reports only). */
    public long countAfter() {
        return expected + units;
    }

    /** Whether the store counts this report now, given the job as stored (its state and this shard's counter). */
    public boolean accepts(Job job) {
        return job.state().acceptsWork() && (expected == null || stored(job) == expected);
    }

    /**
     * For a store that holds the job (locked) and writes it back whole: the job to write, or empty when this report is
     * not counted ({@link #answerRefusal(JobId, Optional)} then gives the caller's answer).
     */
    public Optional<Job> next(Optional<Job> current, Instant now) {
        return current.filter(this::accepts).map(j -> applyTo(j, now));
    }

    /** The job with this report counted: work added, heartbeat, octave, DREAMING, {@code updatedAt = now}. */
    public Job applyTo(Job j, Instant now) {
        Map<Integer, Long> done = new TreeMap<>(j.shardDone());
        done.merge(shard, units, Long::sum);
        Map<Integer, Integer> octaves = new TreeMap<>(j.shardOctave());
        if (octave != null) {
            octaves.put(shard, octave);
        }
        return new Job(j.jobId(), j.contentKey(), j.source(), MOVES_TO, j.createdAt(), now,
                j.format(), j.width(), j.height(), j.parameters(), j.outputName(), j.totalWork(),
                j.workDone() + units, currentOctave(octaves), j.shardWork(), done, octaves,
                j.startedAt() != null ? j.startedAt() : heartbeat, heartbeat, j.estimate(), j.outputKey(),
                j.previewKey(), j.thumbKey(), j.error());
    }

    /**
     * The answer to a report the store did not count, looked at after the fact ({@code job} and the shard's
     * {@code stored} counter as they are now): true when it was counted before (a re-delivered request), false when the
     * job no longer accepts work (the worker should stop); otherwise someone else moved the counter.
     *
     * @throws ProgressStore.StaleCountException when the counter holds neither what the writer expected nor that plus
     *                                           its units: the writer re-reads {@link ProgressStore#shardWorkDone}
     */
    public boolean answerRefusal(JobId id, Optional<Job> job, long stored) throws ProgressStore.StaleCountException {
        if (expected != null && stored == countAfter()) {
            return true;
        }
        if (job.isEmpty() || !job.get().state().acceptsWork()) {
            return false;
        }
        throw new ProgressStore.StaleCountException("shard " + shard + " of job " + id + " has " + stored
                + " units stored, not the " + expected + " this writer expected");
    }

    /** {@link #answerRefusal(JobId, Optional, long)} for a store that read the job whole (its counter included). */
    public boolean answerRefusal(JobId id, Optional<Job> job) throws ProgressStore.StaleCountException {
        return answerRefusal(id, job, job.map(this::stored).orElse(0L));
    }

    /** The job's current octave: the lowest octave any shard reports (the slowest shard); null before any. */
    public static Integer currentOctave(Map<Integer, Integer> shardOctave) {
        return shardOctave.values().stream().min(Integer::compare).orElse(null);
    }

    private long stored(Job job) {
        return job.shardDone().getOrDefault(shard, 0L);
    }
}
