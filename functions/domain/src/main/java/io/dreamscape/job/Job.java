package io.dreamscape.job;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A job as stored by the {@link io.dreamscape.ports.ProgressStore}: identity, source, state, parameters and progress.
 * Fields after {@code state} are filled in as the job goes forward; absent ones are null (or 0 for counters).
 *
 * @param shardWork   each shard's progress total (from the plan), index = shard
 * @param shardDone   work units reported per shard (shard index → units)
 * @param shardOctave last octave reported per shard
 * @param startedAt   first progress report (start of dreaming), for the ETA
 * @param heartbeatAt last progress report
 */
public record Job(
        JobId jobId,
        String contentKey,
        Source source,
        JobState state,
        Instant createdAt,
        Instant updatedAt,
        String format,
        Integer width,
        Integer height,
        DreamParameters parameters,
        String outputName,
        long totalWork,
        long workDone,
        Integer currentOctave,
        List<Long> shardWork,
        Map<Integer, Long> shardDone,
        Map<Integer, Integer> shardOctave,
        Instant startedAt,
        Instant heartbeatAt,
        Estimate estimate,
        String outputKey,
        String previewKey,
        String thumbKey,
        String error) {

    public Job {
        shardWork = shardWork == null ? List.of() : List.copyOf(shardWork);
        shardDone = shardDone == null ? Map.of() : Map.copyOf(shardDone);
        shardOctave = shardOctave == null ? Map.of() : Map.copyOf(shardOctave);
    }

    /** A new job just received, keyed by its bytes alone (see {@link Source#contentKey()}). */
    public static Job received(JobId id, Source source, Instant now) {
        return received(id, source, source.contentKey(), now);
    }

    /** A new job just received, with its idempotency key (see {@link Source#contentKey(String)}). */
    public static Job received(JobId id, Source source, String contentKey, Instant now) {
        return new Job(id, contentKey, source, JobState.RECEIVED, now, now, null, null, null, null,
                StorageLayout.outputName(source.key()), 0, 0, null, List.of(), Map.of(), Map.of(), null, null, null,
                null, null, null, null);
    }

    public int shardCount() {
        return shardWork.size();
    }

    /** 0-100, never above 100; 100 exactly when completed. One decimal. */
    public double percent() {
        if (state == JobState.COMPLETED) {
            return 100.0;
        }
        if (totalWork <= 0) {
            return 0.0;
        }
        double p = Math.min(100.0, 100.0 * workDone / totalWork);
        return Math.floor(p * 10) / 10;
    }

    /** Seconds left by the rate so far; null when unknown (not dreaming, nothing done yet) or finished. */
    public Long etaSeconds(Instant now) {
        if (state.isTerminal()) {
            return state == JobState.COMPLETED ? 0L : null;
        }
        if (startedAt == null || workDone <= 0 || totalWork <= 0) {
            return null;
        }
        long left = Math.max(0, totalWork - workDone);
        double elapsed = Math.max(1, Duration.between(startedAt, now).toMillis()) / 1000.0;
        return Math.round(elapsed * left / workDone);
    }
}
