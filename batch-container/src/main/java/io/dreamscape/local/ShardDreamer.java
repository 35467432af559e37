package io.dreamscape.local;

import ai.djl.Device;
import io.dreamscape.job.JobId;

/**
 * Dreams one shard of a planned job, as one AWS Batch array child does in the cloud: reads {@code plan.json} and the
 * input from the object store, reports progress to the progress store, checkpoints and resumes from its checkpoints,
 * and returns once the shard's result is stored. Local mode's implementation is {@link WorkerShardDreamer} (the
 * {@code dreamscape worker} code, in process).
 */
@FunctionalInterface
public interface ShardDreamer {
    /**
     * Returns normally once the shard's result is stored; throws with a message a person can act on otherwise, and
     * {@link InterruptedException} when the runner is shutting down (the next start resumes from the checkpoints).
     */
    void dream(JobId jobId, int shard, Device device) throws Exception;

    /** Asks every running shard to stop at its next step and save a checkpoint (shutdown). */
    default void stopAll() {
    }
}
