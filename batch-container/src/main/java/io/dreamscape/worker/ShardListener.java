package io.dreamscape.worker;

import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.StartPoint;
import io.dreamscape.engine.WorkingImage;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.OctaveSizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What a worker does between the engine's steps: reports progress ({@link ProgressReporter}), publishes live
 * previews, saves checkpoints (at every octave end but the last, after the checkpoint interval, and when a stop is
 * requested) and stops the engine when the job stopped or a stop was requested (SIGTERM).
 */
final class ShardListener implements DreamListener {
    private final WorkerConfig config;
    private final PreviewPublisher previews;
    private final Checkpoints checkpoints;
    private final ProgressReporter reporter;
    private final UsageRecorder usage;
    private final BooleanSupplier stopRequested;
    private final DreamParameters params;
    private final List<OctaveSizes.Size> sizes;
    private final Path dir;
    /** A split dream's base and shards also show their last octave: the live mosaic is made of them. */
    private final boolean previewLastOctave;
    /** Added to the engine's octave index in progress reports: a split shard's octave 0 is the whole image's B. */
    private final int octaveOffset;
    private final long startUnits;
    private final long dreamStart = System.nanoTime();
    private int octave;
    private long done;
    private long lastCheckpoint = System.nanoTime();
    private long lastPreview = System.nanoTime();

    /** {@code params} are the engine's; {@code start} is where this attempt resumes (null: from the beginning). */
    ShardListener(WorkerConfig config, PreviewPublisher previews, Checkpoints checkpoints, ProgressReporter reporter,
                  UsageRecorder usage, BooleanSupplier stopRequested, WorkerTarget target, DreamParameters params,
                  List<OctaveSizes.Size> sizes, StartPoint start, Path dir) {
        this.config = config;
        this.previews = previews;
        this.checkpoints = checkpoints;
        this.reporter = reporter;
        this.usage = usage;
        this.stopRequested = stopRequested;
        this.params = params;
        this.sizes = sizes;
        this.dir = dir;
        this.previewLastOctave = target.kind() != WorkerTarget.Kind.WHOLE;
        this.octaveOffset = target.kind() == WorkerTarget.Kind.SHARD ? target.baseOctaves() : 0;
        this.octave = start == null ? 0 : start.octave();
        this.startUnits = start == null ? 0 : OctaveSizes.workBefore(sizes, params, start.octave(), start.stepsDone());
        this.done = startUnits;
    }

    /** The work units this attempt has dreamed (not those a checkpoint brought). */
    long unitsThisAttempt() {
        return done - startUnits;
    }

    /** This attempt's engine time and units so far, into the shard's usage record. */
    void recordUsage() {
        usage.dreaming(System.nanoTime() - dreamStart, done - startUnits);
        usage.save();
    }

    @Override
    public void progress(long done, long total) {
        this.done = done;
        reporter.progress(done, octave + octaveOffset);
    }

    @Override
    public boolean continueAfter(int k, int stepsDone, WorkingImage working) {
        // working.planes() only when a checkpoint is written: on the device-resident path it is a device→host copy
        boolean octaveEnd = stepsDone == params.steps();
        boolean last = octaveEnd && k == sizes.size() - 1;
        long units = OctaveSizes.workBefore(sizes, params, k, stepsDone);
        pause();
        if (octaveEnd && (!last || previewLastOctave)) {
            // Before the octave's report: once the status API sees octave k ended, its preview is there.
            publishPreview(k, working, "octave end");
        } else if (!octaveEnd && !LivePreview.INTERVAL.isZero() && elapsed(lastPreview, LivePreview.INTERVAL)) {
            publishPreview(k, working, "interval");
        }
        if (octaveEnd) {
            octave = Math.min(k + 1, sizes.size() - 1);
            reporter.progress(units, k + octaveOffset);
            reporter.flush();
        }
        if (reporter.jobStopped()) return false;
        if (last) return true; // the result follows at once: that is the best checkpoint
        if (stopRequested.getAsBoolean()) {
            saveCheckpoint(k, stepsDone, units, working, "stop requested");
            reporter.progress(units, octave + octaveOffset);
            reporter.flush();
            return false;
        }
        if (octaveEnd) {
            saveCheckpoint(k, stepsDone, units, working, "octave end");
            recordUsage();
        } else if (elapsed(lastCheckpoint, config.checkpointInterval())) {
            saveCheckpoint(k, stepsDone, units, working, "interval");
            recordUsage();
        }
        return true;
    }

    private static boolean elapsed(long since, Duration interval) {
        return System.nanoTime() - since >= interval.toNanos();
    }

    private void publishPreview(int k, WorkingImage working, String why) {
        FloatPlanes planes = working.planes(); // first: the interval counts from after the device→host copy
        lastPreview = System.nanoTime();
        previews.publish(k, planes, why);
    }

    private void saveCheckpoint(int k, int stepsDone, long units, WorkingImage working, String why) {
        FloatPlanes planes = working.planes();
        lastCheckpoint = System.nanoTime();
        checkpoints.save(k, stepsDone, units, planes, why, dir);
    }

    /** The configured pause after every step (tests and demos, to make a run last). */
    private void pause() {
        if (!config.stepDelay().isZero()) {
            try {
                Thread.sleep(config.stepDelay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
