package io.dreamscape.worker;

import io.dreamscape.job.JobId;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Reports a shard's finished work units to the progress store with a <b>high-water mark</b>: the store already holds
 * {@code counted} units of this shard (earlier attempts), the engine reports its cumulative {@code done} (which, after
 * a resume, starts again from the checkpoint), and only {@code done − counted} beyond the mark is ever added. So an
 * attempt that redoes work after the last checkpoint counts nothing twice, and the shard's units end at exactly its
 * {@code work} when the engine finishes. Writes are throttled to one per {@code intervalNanos} (plus forced ones at
 * octave ends); each also refreshes the heartbeat and the current octave.
 *
 * <p>A write that fails (store unreachable for a moment) is logged and retried with the next one; the units stay
 * pending. A write the store refuses (the job is no longer PLANNED or DREAMING: failed, cancelled) sets
 * {@link #jobStopped()}: the worker stops.
 */
final class ProgressReporter {
    private final ProgressStore store;
    private final JobId jobId;
    private final int shard;
    private final long work;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final JsonLog log;
    private long counted;
    private long done;
    private int octave;
    private long lastWrite;
    private volatile boolean jobStopped;
    /** After a failed write the store may or may not hold it: read the shard's counter before the next one. */
    private boolean resync;

    ProgressReporter(ProgressStore store, JobId jobId, int shard, long work, long alreadyCounted, long intervalNanos,
                     LongSupplier nanoTime, JsonLog log) {
        this.store = store;
        this.jobId = jobId;
        this.shard = shard;
        this.work = work;
        this.counted = alreadyCounted;
        this.intervalNanos = intervalNanos;
        this.nanoTime = nanoTime;
        this.log = log;
        this.lastWrite = nanoTime.getAsLong();
        if (alreadyCounted > work) {
            log.warn("the store holds more units for this shard than it has work: an earlier attempt over-counted",
                    "counted", alreadyCounted, "work", work);
        }
    }

    /** The engine's cumulative units and the octave it works on; writes when the interval has passed. */
    void progress(long cumulativeDone, int currentOctave) {
        done = Math.max(done, cumulativeDone);
        octave = currentOctave;
        if (nanoTime.getAsLong() - lastWrite >= intervalNanos) {
            write();
        }
    }

    /** Writes now (octave ends, interruption, the end). */
    void flush() {
        write();
    }

    boolean jobStopped() {
        return jobStopped;
    }

    /** Units of this shard in the store as far as this reporter knows. */
    long counted() {
        return counted;
    }

    long done() {
        return done;
    }

    private void write() {
        lastWrite = nanoTime.getAsLong();
        long delta = 0;
        try {
            if (resync) {
                counted = store.shardWorkDone(jobId, shard);
                resync = false;
            }
            delta = Math.max(0, Math.min(done, work) - counted);
            if (!store.recordWork(jobId, shard, counted, delta, octave, Instant.now())) {
                jobStopped = true;
                log.warn("the job is no longer running (failed, cancelled or finished): stopping", "octave", octave);
                return;
            }
            counted += delta;
            log.info("progress", "added", delta, "counted", counted, "work", work, "octave", octave,
                    "percent", Math.floor(1000.0 * Math.min(counted, work) / Math.max(1, work)) / 10);
        } catch (IOException | RuntimeException e) {
            resync = true;
            log.warn("progress write failed; the units stay pending for the next one", "pending", delta,
                    "error", String.valueOf(e.getMessage()));
        }
    }
}
