package io.dreamscape.worker;

import static io.dreamscape.worker.LogValues.message;
import static io.dreamscape.worker.LogValues.seconds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dreamscape.engine.StartPoint;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Source;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * One shard's checkpoint in the object store ({@code jobs/{jobId}/checkpoints/{i}/latest.dsck}, {@link CheckpointCodec}):
 * where a new attempt resumes, and what a running one saves. A checkpoint carries a {@link #fingerprint} of what it
 * continues; one of another plan or other parameters is ignored, one that does not fit this shard fails it clearly
 * rather than burn GPU time on a silent restart. A failed save only costs time on a retry, so it is logged, not thrown.
 */
final class Checkpoints {
    static final String NAME = "latest.dsck";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ObjectStore objects;
    private final String key;
    private final byte[] fingerprint;
    private final int threads;
    private final String prefix;
    private final JsonLog log;

    /** {@code threads} compress a checkpoint; {@code prefix} starts every failure sentence ("shard 3: "). */
    Checkpoints(ObjectStore objects, JobId id, int index, byte[] fingerprint, int threads, String prefix, JsonLog log) {
        this.objects = objects;
        this.key = key(id, index);
        this.fingerprint = fingerprint;
        this.threads = threads;
        this.prefix = prefix;
        this.log = log;
    }

    /** The key of shard {@code index}'s checkpoint. */
    static String key(JobId id, int index) {
        return StorageLayout.checkpointPrefix(id, index) + NAME;
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

    /** Where to resume: null to start from the beginning (no checkpoint, or one of another plan or parameters). */
    StartPoint load(List<OctaveSizes.Size> sizes, DreamParameters params, Path dir) throws WorkerException {
        String where = "s3://" + objects.bucket() + "/" + key;
        try {
            if (objects.head(key).isEmpty()) {
                log.info("no checkpoint: starting from the beginning");
                return null;
            }
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix + message(e), e);
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
            throw WorkerException.permanent(prefix + "the checkpoint " + where + " is corrupt (" + e.getMessage()
                    + "); delete it to dream this shard from the beginning", e);
        } catch (IOException e) {
            throw WorkerException.transientFailure(prefix + "cannot read the checkpoint " + where + ": " + message(e), e);
        }
    }

    /**
     * Saves the working image of octave {@code k} after {@code stepsDone} steps ({@code units} of work done), written
     * to {@code dir} first and uploaded in one PUT, so the key always holds a whole checkpoint.
     */
    void save(int k, int stepsDone, long units, FloatPlanes working, String why, Path dir) {
        Path file = dir.resolve("checkpoint.tmp");
        try {
            long t0 = System.nanoTime();
            long bytes;
            try (OutputStream out = Files.newOutputStream(file)) {
                bytes = CheckpointCodec.write(new CheckpointCodec.Header(fingerprint, k, stepsDone, units,
                        working.width(), working.height()), working, out, threads);
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
