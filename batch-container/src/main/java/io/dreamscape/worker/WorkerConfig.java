package io.dreamscape.worker;

import ai.djl.Device;
import io.dreamscape.job.JobId;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One worker's assignment and settings.
 *
 * @param jobId              the job (env {@code JOB_ID})
 * @param shardIndex         the plan's shard to dream (env {@code AWS_BATCH_JOB_ARRAY_INDEX}; 0 for a plain job)
 * @param device             where the network runs
 * @param weights            GoogLeNet weights file, or null for the cache ({@code $DREAMSCAPE_HOME})
 * @param scratch            local folder for the input, the working images and files being uploaded
 * @param progressInterval   at most one progress write per interval (plus one at every octave end)
 * @param checkpointInterval a checkpoint also after any step ending this long after the previous one (besides octave
 *                           ends and SIGTERM); protects long octaves against SIGKILL
 * @param threads            download connections and checkpoint compression threads
 * @param stepDelay          pause after every step (tests and demos only, to make a run last; normally zero)
 * @param devices            the devices one image runs on, {@code device} first (DeviceCount; null: {@code device} alone)
 */
public record WorkerConfig(JobId jobId, int shardIndex, Device device, Path weights, Path scratch,
                           Duration progressInterval, Duration checkpointInterval, int threads, Duration stepDelay,
                           java.util.List<Device> devices) {
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(10);

    public WorkerConfig {
        if (shardIndex < 0) throw new IllegalArgumentException("shard index is negative: " + shardIndex);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
        stepDelay = stepDelay == null ? Duration.ZERO : stepDelay;
        devices = devices == null || devices.isEmpty() ? java.util.List.of(device) : java.util.List.copyOf(devices);
        if (!devices.get(0).equals(device)) throw new IllegalArgumentException("the first device must be " + device);
    }

    /** On one device. */
    public WorkerConfig(JobId jobId, int shardIndex, Device device, Path weights, Path scratch,
                        Duration progressInterval, Duration checkpointInterval, int threads, Duration stepDelay) {
        this(jobId, shardIndex, device, weights, scratch, progressInterval, checkpointInterval, threads, stepDelay, null);
    }

    /** Defaults for everything but the assignment. */
    public static WorkerConfig of(JobId jobId, int shardIndex, Device device, Path scratch) {
        return new WorkerConfig(jobId, shardIndex, device, null, scratch, DEFAULT_PROGRESS_INTERVAL,
                DEFAULT_CHECKPOINT_INTERVAL, Math.max(2, Runtime.getRuntime().availableProcessors()), Duration.ZERO);
    }
}
