package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.seconds;

import io.dreamscape.engine.DeviceCount;
import io.dreamscape.engine.DeviceSteps;
import io.dreamscape.engine.DreamInterrupted;
import io.dreamscape.engine.GuideImage;
import io.dreamscape.engine.StartPoint;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Dreams one shard of a planned job: the in-process entry point behind {@code dreamscape worker} (and local mode).
 *
 * <ol>
 *   <li>reads {@code jobs/{jobId}/plan.json} and its shard; if the shard's result is already in the store (an earlier
 *   attempt uploaded it and died before exiting), only tops up the progress and returns;</li>
 *   <li>opens the network (fails before any download when the model or a layer is wrong);</li>
 *   <li>downloads the exact planned version of the input with parallel ranged GETs ({@link ParallelDownload}), checks
 *   its ETag against the plan ({@link InputDownload}), decodes it and copies the shard's halo rectangle into float planes;</li>
 *   <li>resumes from the shard's checkpoint when there is one ({@code jobs/{jobId}/checkpoints/{i}/latest.dsck},
 *   {@link Checkpoints}); a corrupt one fails the shard clearly rather than burn GPU time on a silent restart;</li>
 *   <li>dreams with the plan's parameters, the seed derived by {@link #shardSeed}; progress as in
 *   {@link ProgressReporter}; a checkpoint at every octave end (but the last), after {@code checkpointInterval}, and
 *   when {@link #requestStop()} is called (SIGTERM), all decided by the {@link ShardListener};</li>
 *   <li>writes the halo rectangle as a 16-bit RGB PNG ({@link io.dreamscape.stitch.ShardPng}, what the stitcher reads) to
 *   local scratch and uploads it to the shard key in one PUT, so the key holds a complete result or nothing.</li>
 * </ol>
 *
 * Failures: {@link WorkerException} (permanent ones are also recorded on the job as FAILED with the same message).
 */
public final class Worker {
    /** How a run ended without an error. */
    public enum Outcome {
        /** The shard's result is in the object store. */
        COMPLETED,
        /** {@link #requestStop()} was called: a checkpoint was written (when dreaming had started); run again to resume. */
        INTERRUPTED,
        /** The job is no longer running (failed, cancelled): the worker stopped without a result. */
        JOB_STOPPED
    }

    public static final String CHECKPOINT_NAME = Checkpoints.NAME;

    private final ObjectStore objects;
    private final ProgressStore progress;
    private final WorkerConfig config;
    private final JsonLog log;
    private final ModelLoader models;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;

    public Worker(ObjectStore objects, ProgressStore progress, WorkerConfig config, JsonLog log) {
        this.objects = objects;
        this.progress = progress;
        this.config = config;
        this.log = log.with("jobId", config.jobId().value()).with("shard", config.shardIndex());
        this.models = new ModelLoader(objects, config.weights(), prefix());
    }

    /** The key of shard {@code index}'s checkpoint. */
    public static String checkpointKey(JobId id, int index) {
        return Checkpoints.key(id, index);
    }

    /**
     * The per-shard seed of plan version 1 (each shard its own dream): the plan's own seed for a single shard, else a
     * SplitMix64 mix of the seed and the index. Since plan version 2 every shard and the base use the plan's own seed
     * (one dream, one tile grid); this stays for the benchmark's "independent shards" baseline.
     */
    public static long shardSeed(long planSeed, int shardCount, int index) {
        if (shardCount == 1) return planSeed;
        long z = planSeed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** What a checkpoint of this run continues (see {@link Checkpoints#fingerprint}). */
    static byte[] fingerprint(Plan plan, WorkerTarget target, DreamParameters params) {
        return Checkpoints.fingerprint(plan, target, params);
    }

    /** Asks the run to stop at the next step boundary and save a checkpoint (any thread; e.g. a SIGTERM hook). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Waits until {@link #run()} has returned or thrown; true if it did within {@code timeout}. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Outcome run() throws WorkerException {
        long t0 = System.nanoTime();
        try {
            Outcome o = dreamShard();
            log.info("worker finished", "outcome", o.name(), "seconds", seconds(t0));
            return o;
        } catch (WorkerException e) {
            fail(e, t0);
            throw e;
        } catch (RuntimeException e) {
            WorkerException w = WorkerException.permanent(prefix() + "the dream failed: " + message(e), e);
            fail(w, t0);
            throw w;
        } finally {
            finished.countDown();
        }
    }

    private void fail(WorkerException e, long t0) {
        log.error("worker failed", e, "kind", e.kind().name(), "reason", e.getMessage(), "seconds", seconds(t0));
        if (e.kind() == WorkerException.Kind.PERMANENT) {
            try {
                progress.fail(config.jobId(), e.getMessage());
            } catch (IOException | RuntimeException notRecorded) {
                log.warn("could not record the failure on the job", "error", message(notRecorded));
            }
        }
    }

    private String prefix() {
        return "shard " + config.shardIndex() + ": ";
    }

    /** Reads the plan, tops up the progress of a result already stored, else dreams in a fresh scratch folder. */
    private Outcome dreamShard() throws WorkerException {
        JobId id = config.jobId();
        int index = config.shardIndex();
        Plan plan = PlanDownload.load(objects, id);
        WorkerTarget target = WorkerTarget.of(plan, index);
        long counted;
        try {
            counted = progress.shardWorkDone(id, index);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.transientFailure(prefix() + "the progress store is unreachable: " + message(e), e);
        }
        // One dream (plan version 2): the base and every shard draw their tiles from the plan's own seed.
        DreamParameters params = plan.parameters();
        if (plan.devices() > config.devices().size()) {
            log.warn("the plan was made for " + plan.devices() + " GPUs; this worker dreams on "
                    + config.devices().size() + " (the same image, only slower)", "planDevices", plan.devices());
        }
        log.info("worker started", "shards", plan.shardCount(), "target", target.describe(),
                "halo", target.input().toString(), "work", target.work(), "alreadyCounted", counted,
                "device", DeviceCount.describe(config.devices()), "seed", params.seed());
        ProgressReporter reporter = new ProgressReporter(progress, id, index, target.work(), counted,
                config.progressInterval().toNanos(), System::nanoTime, log);
        if (exists(target.resultKey())) {
            log.info("the result is already in the store: nothing to dream", "resultKey", target.resultKey());
            reporter.progress(target.work(), params.octaves() - 1);
            reporter.flush();
            return reporter.jobStopped() ? Outcome.JOB_STOPPED : Outcome.COMPLETED;
        }
        // Report at once (0 new units): the job moves to DREAMING with a heartbeat, and a cancelled or failed job is
        // noticed before the download.
        reporter.flush();
        if (reporter.jobStopped()) return Outcome.JOB_STOPPED;
        if (stopRequested) return Outcome.INTERRUPTED;
        UsageRecorder usage = new UsageRecorder(objects, id, index, DeviceCount.describe(config.devices()), log);
        usage.save();
        Checkpoints checkpoints = new Checkpoints(objects, id, index, Checkpoints.fingerprint(plan, target, params),
                config.threads(), prefix(), log);
        try (Scratch scratch = Scratch.create(config.scratch(), index, prefix())) {
            return fetchAndDream(plan, target, reporter, checkpoints, usage, scratch.dir());
        }
    }

    /**
     * Opens the network (before any download: a wrong model or layer fails at once), fetches the guide, the base's
     * detail, the input and the mask, resumes from the checkpoint, then dreams.
     */
    private Outcome fetchAndDream(Plan plan, WorkerTarget target, ProgressReporter reporter, Checkpoints checkpoints,
                                  UsageRecorder usage, Path dir) throws WorkerException {
        DreamParameters params = plan.parameters();
        Rect halo = target.input();
        try (DreamNetwork network = models.open(params.model(), dir, config.device())) {
            List<LayerWeight> layers;
            try {
                layers = LayerSelection.resolve(params, network.layers(), network.channels());
            } catch (RuntimeException e) {
                throw WorkerException.permanent(prefix() + message(e), e);
            }
            GuideImage guide = params.guide() == null ? null
                    : GuideDownload.fetch(objects, StorageLayout.guideKey(params.guide()), params.tile(), dir, prefix());
            Objective objective = new Objective(network, layers, guide);
            FloatPlanes baseDetail = target.needsBase()
                    ? BaseDetailDownload.load(objects, config.jobId(), target, dir, prefix()) : null;
            Path input = InputDownload.fetch(objects, plan.source(), dir, config.threads() * 2, () -> stopRequested, log);
            if (stopRequested) return Outcome.INTERRUPTED;
            try (baseDetail;
                 FloatPlanes image = target.prepare(ShardInput.decodeHalo(input, plan, halo, params.maxPixels(), dir,
                         prefix(), log), params, dir);
                 FloatPlanes mask = target.maskFor(MaskDownload.load(objects, params, plan, halo, dir, prefix()), image, dir)) {
                Files.deleteIfExists(input);
                StartPoint start = checkpoints.load(target.sizes(image.width(), image.height()), target.engineParams(), dir);
                reporter.flush(); // a heartbeat after the download and decode, which can take a minute for big inputs
                if (stopRequested || reporter.jobStopped()) {
                    if (start != null) start.working().close();
                    return stopRequested ? Outcome.INTERRUPTED : Outcome.JOB_STOPPED;
                }
                ShardListener listener = new ShardListener(config, new PreviewPublisher(objects, config.jobId(),
                        config.shardIndex(), log), checkpoints, reporter, usage, () -> stopRequested, target,
                        target.engineParams(), target.sizes(image.width(), image.height()), start, dir);
                return dreamAndUpload(target, objective, image, baseDetail, mask, start, listener, reporter, usage, dir);
            }
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + message(e), e);
        }
    }

    /** What the gradients are computed from: the network (on the first device), its chosen layers, the guide. */
    private record Objective(DreamNetwork network, List<LayerWeight> layers, GuideImage guide) {
    }

    private Outcome dreamAndUpload(WorkerTarget target, Objective objective, FloatPlanes image, FloatPlanes baseDetail,
                                   FloatPlanes mask, StartPoint start, ShardListener listener, ProgressReporter reporter,
                                   UsageRecorder usage, Path dir) throws WorkerException, IOException {
        DreamParameters params = target.engineParams();
        FloatPlanes result;
        long t0 = System.nanoTime();
        try (DeviceSteps gradients = DeviceSteps.open(objective.network(), objective.layers(), config.devices(),
                d -> models.open(params.model(), dir, d), objective.guide())) {
            result = target.engine(gradients.steps(), dir, baseDetail, mask).dream(image, listener, start);
            listener.recordUsage();
            log.info("dreamed", "seconds", seconds(t0), "modelSeconds", gradients.computeNanos() / 1e9,
                    "tiles", gradients.calls(), "units", listener.unitsThisAttempt(),
                    "unitsPerSecond", Math.round(listener.unitsThisAttempt() / Math.max(1e-9, seconds(t0))));
        } catch (DreamInterrupted e) {
            listener.recordUsage();
            if (reporter.jobStopped()) return Outcome.JOB_STOPPED;
            log.info("interrupted", "octave", e.octave(), "stepsDone", e.stepsDone());
            return Outcome.INTERRUPTED;
        } finally {
            if (start != null) start.working().close();
        }
        try (FloatPlanes r = result) {
            // The base's part ends where the shards' begins: the job's current octave (the lowest reported) moves on.
            if (target.kind() == WorkerTarget.Kind.BASE) reporter.progress(target.work(), target.baseOctaves());
            reporter.flush();
            if (reporter.jobStopped()) return Outcome.JOB_STOPPED;
            upload(target, r, image, dir);
        }
        usage.save(); // the wall time now includes the result's encoding and upload
        return Outcome.COMPLETED;
    }

    /** The result as a shard PNG in scratch, then in one PUT: the key holds a complete result or nothing. */
    private void upload(WorkerTarget target, FloatPlanes result, FloatPlanes image, Path dir) throws IOException {
        Path png = dir.resolve("result.png");
        long t1 = System.nanoTime();
        target.writeResult(result, image, png);
        long t2 = System.nanoTime();
        objects.putFile(target.resultKey(), png, "image/png");
        log.info("result uploaded", "resultKey", target.resultKey(), "bytes", Files.size(png),
                "encodeSeconds", (t2 - t1) / 1e9, "uploadSeconds", seconds(t2));
        Files.deleteIfExists(png);
    }

    private boolean exists(String key) throws WorkerException {
        try {
            return objects.head(key).isPresent();
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + message(e), e);
        }
    }

    static String message(Throwable e) {
        return LogValues.message(e);
    }
}
