package io.dreamscape.worker;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.DreamInterrupted;
import io.dreamscape.engine.DreamListener;
import io.dreamscape.engine.DeviceCount;
import io.dreamscape.engine.DeviceSteps;
import io.dreamscape.engine.StartPoint;
import io.dreamscape.engine.model.DreamNetwork;
import io.dreamscape.engine.model.Networks;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.ImagePlanes;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.LayerSelection;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.stitch.PngRowWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Dreams one shard of a planned job: the in-process entry point behind {@code dreamscape worker} (and local mode).
 *
 * <ol>
 *   <li>reads {@code jobs/{jobId}/plan.json} and its shard; if the shard's result is already in the store (an earlier
 *   attempt uploaded it and died before exiting), only tops up the progress and returns;</li>
 *   <li>opens the network (fails before any download when the model or a layer is wrong);</li>
 *   <li>downloads the exact planned version of the input with parallel ranged GETs ({@link ParallelDownload}), checks
 *   its ETag against the plan, decodes it and copies the shard's halo rectangle into float planes;</li>
 *   <li>resumes from the shard's checkpoint when there is one ({@code jobs/{jobId}/checkpoints/{i}/latest.dsck},
 *   {@link CheckpointCodec}); a corrupt one fails the shard clearly rather than burn GPU time on a silent restart;</li>
 *   <li>dreams with the plan's parameters, the seed derived by {@link #shardSeed}; progress as in
 *   {@link ProgressReporter}; a checkpoint at every octave end (but the last), after {@code checkpointInterval}, and
 *   when {@link #requestStop()} is called (SIGTERM);</li>
 *   <li>writes the halo rectangle as a 16-bit RGB PNG ({@link io.dreamscape.job.Shard}'s format) to local scratch and
 *   uploads it to the shard key in one PUT, so the key holds a complete result or nothing.</li>
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

    public static final String CHECKPOINT_NAME = "latest.dsck";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ObjectStore objects;
    private final ProgressStore progress;
    private final WorkerConfig config;
    private final JsonLog log;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    /** The job's guide image (null without one); fetched before the input (see {@link GuideDownload}). */
    private io.dreamscape.engine.GuideImage guide;
    /** This attempt's usage record; set once dreaming is about to start (see {@link UsageRecorder}). */
    private UsageRecorder usage;

    public Worker(ObjectStore objects, ProgressStore progress, WorkerConfig config, JsonLog log) {
        this.objects = objects;
        this.progress = progress;
        this.config = config;
        this.log = log.with("jobId", config.jobId().value()).with("shard", config.shardIndex());
    }

    /** The key of shard {@code index}'s checkpoint. */
    public static String checkpointKey(JobId id, int index) {
        return StorageLayout.checkpointPrefix(id, index) + CHECKPOINT_NAME;
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

    private Outcome dreamShard() throws WorkerException {
        JobId id = config.jobId();
        int index = config.shardIndex();
        Plan plan = loadPlan(id);
        WorkerTarget target = WorkerTarget.of(plan, index);
        Rect halo = target.input();
        String resultKey = target.resultKey();
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
        log.info("worker started", "shards", plan.shardCount(), "target", target.describe(), "halo", halo.toString(),
                "work", target.work(), "alreadyCounted", counted, "device", DeviceCount.describe(config.devices()),
                "seed", params.seed());
        ProgressReporter reporter = new ProgressReporter(progress, id, index, target.work(), counted,
                config.progressInterval().toNanos(), System::nanoTime, log);
        if (exists(resultKey)) {
            log.info("the result is already in the store: nothing to dream", "resultKey", resultKey);
            reporter.progress(target.work(), params.octaves() - 1);
            reporter.flush();
            return reporter.jobStopped() ? Outcome.JOB_STOPPED : Outcome.COMPLETED;
        }
        // Report at once (0 new units): the job moves to DREAMING with a heartbeat, and a cancelled or failed job is
        // noticed before the download.
        reporter.flush();
        if (reporter.jobStopped()) return Outcome.JOB_STOPPED;
        if (stopRequested) return Outcome.INTERRUPTED;
        usage = new UsageRecorder(objects, id, index, DeviceCount.describe(config.devices()), log);
        usage.save();
        byte[] fingerprint = fingerprint(plan, target, params);
        Path dir = scratchDir();
        try (DreamNetwork network = openNetwork(params, dir)) {
            List<LayerWeight> layers;
            try {
                layers = LayerSelection.resolve(params, network.layers(), network.channels());
            } catch (RuntimeException e) {
                throw WorkerException.permanent(prefix() + message(e), e);
            }
            guide = params.guide() == null ? null
                    : GuideDownload.fetch(objects, StorageLayout.guideKey(params.guide()), params.tile(), dir, prefix());
            FloatPlanes baseDetail = target.needsBase() ? baseDetail(target, dir) : null;
            Path input = download(plan.source(), dir);
            if (stopRequested) return Outcome.INTERRUPTED;
            try (baseDetail; FloatPlanes image = target.prepare(loadHalo(input, plan, halo, params, dir), params, dir);
                 FloatPlanes mask = target.maskFor(MaskDownload.load(objects, params, plan, halo, dir, prefix()), image, dir)) {
                Files.deleteIfExists(input);
                StartPoint start = loadCheckpoint(id, index, fingerprint,
                        target.sizes(image.width(), image.height()), target.engineParams(), dir);
                reporter.flush(); // a heartbeat after the download and decode, which can take a minute for big inputs
                if (stopRequested || reporter.jobStopped()) {
                    if (start != null) start.working().close();
                    return stopRequested ? Outcome.INTERRUPTED : Outcome.JOB_STOPPED;
                }
                return dreamAndUpload(target, image, baseDetail, mask, start, target.engineParams(), network, layers,
                        reporter, fingerprint, resultKey, dir);
            }
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + message(e), e);
        } finally {
            deleteTree(dir);
        }
    }

    private Outcome dreamAndUpload(WorkerTarget target, FloatPlanes image, FloatPlanes baseDetail, FloatPlanes mask,
                                   StartPoint start, DreamParameters params, DreamNetwork network,
                                   List<LayerWeight> layers, ProgressReporter reporter, byte[] fingerprint,
                                   String resultKey, Path dir) throws WorkerException, IOException {
        List<OctaveSizes.Size> sizes = target.sizes(image.width(), image.height());
        Listener listener = new Listener(params, sizes, reporter, fingerprint, dir, start);
        // A split dream's base and shards also show their last octave: the live mosaic is made of them.
        listener.previewLastOctave = target.kind() != WorkerTarget.Kind.WHOLE;
        listener.octaveOffset = target.kind() == WorkerTarget.Kind.SHARD ? target.baseOctaves() : 0;
        FloatPlanes result;
        long t0 = System.nanoTime();
        listener.dreamStart = t0;
        try (DeviceSteps gradients = DeviceSteps.open(network, layers, config.devices(), d -> openNetwork(params, dir, d),
                guide)) {
            result = target.engine(gradients.steps(), dir, baseDetail, mask).dream(image, listener, start);
            listener.recordUsage();
            log.info("dreamed", "seconds", seconds(t0), "modelSeconds", gradients.computeNanos() / 1e9,
                    "tiles", gradients.calls(), "units", listener.done - listener.startUnits,
                    "unitsPerSecond", Math.round((listener.done - listener.startUnits) / Math.max(1e-9, seconds(t0))));
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
            Path png = dir.resolve("result.png");
            long t1 = System.nanoTime();
            target.writeResult(r, image, png);
            long t2 = System.nanoTime();
            objects.putFile(resultKey, png, "image/png");
            log.info("result uploaded", "resultKey", resultKey, "bytes", Files.size(png),
                    "encodeSeconds", (t2 - t1) / 1e9, "uploadSeconds", seconds(t2));
            Files.deleteIfExists(png);
        }
        usage.save(); // the wall time now includes the result's encoding and upload
        return Outcome.COMPLETED;
    }

    /** The engine's listener: progress, checkpoints, stop requests. */
    private final class Listener implements DreamListener {
        private final DreamParameters params;
        private final List<OctaveSizes.Size> sizes;
        private final ProgressReporter reporter;
        private final byte[] fingerprint;
        private final Path dir;
        private final long startUnits;
        private int octave;
        private long done;
        private long lastCheckpoint = System.nanoTime();
        private long lastPreview = System.nanoTime();
        long dreamStart = System.nanoTime();
        boolean previewLastOctave;
        /** Added to the engine's octave index in progress reports: a split shard's octave 0 is the whole image's B. */
        int octaveOffset;

        /** This attempt's engine time and units so far, into the shard's usage record. */
        void recordUsage() {
            usage.dreaming(System.nanoTime() - dreamStart, done - startUnits);
            usage.save();
        }

        Listener(DreamParameters params, List<OctaveSizes.Size> sizes, ProgressReporter reporter, byte[] fingerprint,
                 Path dir, StartPoint start) {
            this.params = params;
            this.sizes = sizes;
            this.reporter = reporter;
            this.fingerprint = fingerprint;
            this.dir = dir;
            this.octave = start == null ? 0 : start.octave();
            this.startUnits = start == null ? 0 : OctaveSizes.workBefore(sizes, params, start.octave(), start.stepsDone());
            this.done = startUnits;
        }

        @Override
        public void progress(long done, long total) {
            this.done = done;
            reporter.progress(done, octave + octaveOffset);
        }

        @Override
        public boolean continueAfter(int k, int stepsDone, io.dreamscape.engine.WorkingImage working) {
            // working.planes() only when a checkpoint is written: on the device-resident path it is a device→host copy
            boolean octaveEnd = stepsDone == params.steps();
            boolean last = octaveEnd && k == sizes.size() - 1;
            long units = OctaveSizes.workBefore(sizes, params, k, stepsDone);
            pause();
            if (octaveEnd && (!last || previewLastOctave)) {
                // Before the octave's report: once the status API sees octave k ended, its preview is there.
                publishPreview(k, working.planes(), "octave end");
            } else if (!octaveEnd && !LivePreview.INTERVAL.isZero()
                    && System.nanoTime() - lastPreview >= LivePreview.INTERVAL.toNanos()) {
                publishPreview(k, working.planes(), "interval");
            }
            if (octaveEnd) {
                octave = Math.min(k + 1, sizes.size() - 1);
                reporter.progress(units, k + octaveOffset);
                reporter.flush();
            }
            if (reporter.jobStopped()) return false;
            if (last) return true; // the result follows at once: that is the best checkpoint
            if (stopRequested) {
                saveCheckpoint(k, stepsDone, units, working.planes(), "stop requested");
                reporter.progress(units, octave + octaveOffset);
                reporter.flush();
                return false;
            }
            if (octaveEnd) {
                saveCheckpoint(k, stepsDone, units, working.planes(), "octave end");
                recordUsage();
            } else if (System.nanoTime() - lastCheckpoint >= config.checkpointInterval().toNanos()) {
                saveCheckpoint(k, stepsDone, units, working.planes(), "interval");
                recordUsage();
            }
            return true;
        }

        /** A ≤1024 px JPEG of the working image for the status page; a failure costs only the picture. */
        private void publishPreview(int k, FloatPlanes working, String why) {
            lastPreview = System.nanoTime();
            try {
                long t0 = System.nanoTime();
                byte[] jpeg = LivePreview.jpeg(working);
                long t1 = System.nanoTime();
                objects.put(StorageLayout.livePreviewKey(config.jobId(), config.shardIndex(), k), jpeg, "image/jpeg");
                log.info("live preview published", "trigger", why, "octave", k, "bytes", jpeg.length,
                        "encodeSeconds", (t1 - t0) / 1e9, "uploadSeconds", seconds(t1));
            } catch (IOException | RuntimeException e) {
                log.warn("live preview failed", "octave", k, "error", message(e));
            }
        }

        private void pause() {
            if (!config.stepDelay().isZero()) {
                try {
                    Thread.sleep(config.stepDelay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void saveCheckpoint(int k, int stepsDone, long units, FloatPlanes working, String why) {
            lastCheckpoint = System.nanoTime();
            Path file = dir.resolve("checkpoint.tmp");
            String key = checkpointKey(config.jobId(), config.shardIndex());
            try {
                long t0 = System.nanoTime();
                long bytes;
                try (OutputStream out = Files.newOutputStream(file)) {
                    bytes = CheckpointCodec.write(new CheckpointCodec.Header(fingerprint, k, stepsDone, units,
                            working.width(), working.height()), working, out, config.threads());
                }
                long t1 = System.nanoTime();
                objects.putFile(key, file, "application/octet-stream");
                log.info("checkpoint written", "why", why, "octave", k, "stepsDone", stepsDone, "units", units,
                        "width", working.width(), "height", working.height(), "bytes", bytes,
                        "rawBytes", 12L * working.pixels(), "encodeSeconds", (t1 - t0) / 1e9,
                        "uploadSeconds", seconds(t1));
            } catch (IOException | RuntimeException e) {
                // A missed checkpoint costs time on a retry, not correctness: keep dreaming.
                log.warn("checkpoint failed; the previous one stays", "why", why, "error", message(e));
            } finally {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // scratch is deleted at the end anyway
                }
            }
        }
    }

    /** The shard's rectangle of the base job's detail; the base must have finished (the workflow runs it first). */
    private FloatPlanes baseDetail(WorkerTarget target, Path dir) throws WorkerException, IOException {
        String key = StorageLayout.baseDetailKey(config.jobId());
        Path png = BucketFile.fetch(objects, key, dir.resolve("base-detail.png"), prefix() + "the base of this split"
                + " dream, s3://" + objects.bucket() + "/" + key + ", is missing: the split dream's base job must finish"
                + " before its shards start (the workflow runs it first; run the worker with SHARD_INDEX set to the"
                + " plan's baseIndex)");
        try {
            return target.readBaseDetail(png, dir);
        } catch (IOException e) {
            throw WorkerException.permanent(prefix() + "the base detail s3://" + objects.bucket() + "/" + key
                    + " cannot be read: " + message(e), e);
        } finally {
            Files.deleteIfExists(png);
        }
    }

    private Plan loadPlan(JobId id) throws WorkerException {
        String key = StorageLayout.planKey(id);
        try {
            if (objects.head(key).isEmpty()) {
                throw WorkerException.permanent("job " + id + " has no plan: s3://" + objects.bucket() + "/" + key
                        + " does not exist (was the job planned, and is BUCKET right?)");
            }
            return Plan.fromJson(objects.getBytes(key));
        } catch (Plan.UnsupportedVersion e) {
            throw WorkerException.permanent(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw WorkerException.permanent("the plan s3://" + objects.bucket() + "/" + key + " is unreadable: "
                    + message(e), e);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.transientFailure("cannot read the plan s3://" + objects.bucket() + "/" + key + ": "
                    + message(e), e);
        }
    }

    private boolean exists(String key) throws WorkerException {
        try {
            return objects.head(key).isPresent();
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + message(e), e);
        }
    }

    private DreamNetwork openNetwork(DreamParameters params, Path dir) throws WorkerException {
        return openNetwork(params, dir, config.device());
    }

    /** The model on {@code device} (once per GPU when one image runs on several). */
    private DreamNetwork openNetwork(DreamParameters params, Path dir, Device device) throws WorkerException {
        try {
            return Networks.open(localModel(params.model(), dir), config.weights(), device);
        } catch (IOException | RuntimeException e) {
            throw WorkerException.permanent(prefix() + "cannot open the model " + params.model() + ": " + message(e), e);
        }
    }

    /**
     * The model to open: built in, a file on this machine (CLI, local mode, tests), or a TorchScript model kept in the
     * bucket under models/ (what an upload's {@code "model": "name.pt"} refers to), fetched with its sidecar JSON.
     */
    private String localModel(String model, Path dir) throws IOException, WorkerException {
        if (Networks.GOOGLENET.equalsIgnoreCase(model) || Files.exists(Path.of(model))) {
            return model;
        }
        String key = StorageLayout.modelKey(model);
        Path models = Files.createDirectories(dir.resolve("models"));
        Path file = BucketFile.fetch(objects, key, models.resolve(Path.of(model).getFileName().toString()),
                prefix() + "model '" + model + "' is neither built in nor in s3://" + objects.bucket() + "/" + key
                        + "; upload it there (with its sidecar .json if it returns a tuple)");
        String sidecar = model.substring(0, model.length() - ".pt".length()) + ".json";
        BucketFile.fetchIfPresent(objects, StorageLayout.modelKey(sidecar),
                models.resolve(Path.of(sidecar).getFileName().toString()));
        return file.toString();
    }

    private Path download(Source source, Path dir) throws WorkerException, IOException {
        String where = "s3://" + objects.bucket() + "/" + source.key()
                + (source.versionId() == null ? "" : " (version " + source.versionId() + ")");
        Optional<ObjectStore.ObjectInfo> info = objects.head(source.key(), source.versionId());
        if (info.isEmpty()) {
            throw WorkerException.permanent("the input " + where + " no longer exists (deleted after the job was planned)");
        }
        checkSameUpload(source, info.get(), where);
        Path file = dir.resolve("input");
        long t0 = System.nanoTime();
        ParallelDownload.fetch(objects, source.key(), source.versionId(), info.get().size(), file,
                ParallelDownload.DEFAULT_PART_BYTES, config.threads() * 2, () -> stopRequested);
        Optional<ObjectStore.ObjectInfo> after = objects.head(source.key(), source.versionId());
        if (after.isEmpty()) {
            throw WorkerException.permanent("the input " + where + " was deleted while it was being downloaded");
        }
        checkSameUpload(source, after.get(), where);
        double s = seconds(t0);
        log.info("input downloaded", "key", source.key(), "bytes", info.get().size(), "seconds", s,
                "megabytesPerSecond", Math.round(info.get().size() / 1e6 / Math.max(s, 1e-6) * 10) / 10.0);
        return file;
    }

    private static void checkSameUpload(Source source, ObjectStore.ObjectInfo info, String where) throws WorkerException {
        if (!source.sameRevisionAs(info.etag())) {
            throw WorkerException.permanent("the input " + where + " was replaced after the job was planned (ETag "
                    + info.etag() + ", planned " + source.etag() + "); upload it again to start a new job");
        }
    }

    private FloatPlanes loadHalo(Path input, Plan plan, Rect halo, DreamParameters params, Path dir) throws WorkerException {
        long t0 = System.nanoTime();
        StreamedInput.Loaded loaded;
        try {
            // Only the halo is decoded, its rows streamed into the planes (ShardInput): no decoded image on the heap.
            loaded = ShardInput.load(input, plan.width(), plan.height(), halo, params.maxPixels(), dir);
        } catch (ShardInput.SizeMismatch e) {
            throw WorkerException.permanent(prefix() + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw WorkerException.permanent(prefix() + "the input " + plan.source().key() + " cannot be decoded: "
                    + message(e), e);
        }
        log.info("input decoded", "width", plan.width(), "height", plan.height(), "halo", halo.toString(),
                "streamed", loaded.streamed(), "seconds", seconds(t0));
        // Hand the decode's heap (row garbage, or the whole image after a classic decode) back before libtorch
        // allocates for the tiles (as DreamFile does).
        System.gc();
        return loaded.planes();
    }

    private StartPoint loadCheckpoint(JobId id, int index, byte[] fingerprint, List<OctaveSizes.Size> sizes,
                                      DreamParameters params, Path dir) throws WorkerException {
        String key = checkpointKey(id, index);
        String where = "s3://" + objects.bucket() + "/" + key;
        try {
            if (objects.head(key).isEmpty()) {
                log.info("no checkpoint: starting from the beginning");
                return null;
            }
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + message(e), e);
        }
        long t0 = System.nanoTime();
        try (InputStream raw = objects.open(key);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            CheckpointCodec.Header h = CheckpointCodec.readHeader(in);
            if (!h.belongsTo(fingerprint)) {
                log.warn("the checkpoint belongs to another plan or parameters: ignored, starting over", "key", key);
                return null;
            }
            if (h.octave() >= sizes.size() || h.stepsDone() < 1 || h.stepsDone() > params.steps()
                    || h.width() != sizes.get(h.octave()).width() || h.height() != sizes.get(h.octave()).height()
                    || h.unitsDone() != OctaveSizes.workBefore(sizes, params, h.octave(), h.stepsDone())) {
                throw new CorruptCheckpointException("its octave " + h.octave() + ", step " + h.stepsDone() + ", size "
                        + h.width() + "×" + h.height() + " do not fit this shard");
            }
            FloatPlanes working = CheckpointCodec.readPlanes(in, h, dir);
            log.info("resuming from checkpoint", "octave", h.octave(), "stepsDone", h.stepsDone(),
                    "units", h.unitsDone(), "seconds", seconds(t0));
            return new StartPoint(h.octave(), h.stepsDone(), working);
        } catch (CorruptCheckpointException e) {
            throw WorkerException.permanent(prefix() + "the checkpoint " + where + " is corrupt (" + e.getMessage()
                    + "); delete it to dream this shard from the beginning", e);
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix() + "cannot read the checkpoint " + where + ": " + message(e), e);
        }
    }

    /**
     * Identifies what a checkpoint continues: the upload, the plan's version, what this run dreams (shard and
     * rectangle, or the base and its octaves) and every dream parameter.
     */
    static byte[] fingerprint(Plan plan, WorkerTarget target, DreamParameters params) {
        try {
            Source s = plan.source();
            String text = String.join("|", "dreamscape-checkpoint-v2", plan.jobId().value(), s.bucket(), s.key(),
                    String.valueOf(s.versionId()), String.valueOf(s.etag()), plan.width() + "x" + plan.height(),
                    "plan-v" + plan.version(), target.kind().name(), Integer.toString(target.index()),
                    target.input().toString(), "base-octaves-" + plan.baseOctaves(), JSON.writeValueAsString(params));
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The halo rectangle as the shard result: 16-bit RGB PNG, samples rounded as {@code ImagePlanes.toImage}. */
    static void writePng(FloatPlanes p, Path file) throws IOException {
        int w = p.width();
        float[][] rows = {new float[w], new float[w], new float[w]};
        int[] rgb = new int[3 * w];
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             PngRowWriter png = new PngRowWriter(os, w, p.height())) {
            for (int y = 0; y < p.height(); y++) {
                for (int c = 0; c < 3; c++) p.getRow(c, y, rows[c]);
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) rgb[3 * x + c] = ImagePlanes.quantize(rows[c][x], 65535f);
                }
                png.writeRow(rgb);
            }
        }
    }

    private Path scratchDir() throws WorkerException {
        try {
            Files.createDirectories(config.scratch());
            return Files.createTempDirectory(config.scratch(), "shard-" + config.shardIndex() + "-");
        } catch (IOException e) {
            throw WorkerException.permanent(prefix() + "cannot use the scratch folder " + config.scratch() + ": "
                    + message(e), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: scratch lives in a temp folder
        }
    }


    private static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
