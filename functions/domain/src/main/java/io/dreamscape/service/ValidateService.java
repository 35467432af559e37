package io.dreamscape.service;

import io.dreamscape.imaging.ImageException;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.ImageProbe;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.MaskAspect;
import io.dreamscape.job.ParameterException;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Source;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks an upload and creates its job, idempotently. The job record is created before any check, so a bad upload
 * still has a record, which ends FAILED with the reason. Infrastructure errors (S3/DynamoDB unreachable) are thrown
 * so the state machine retries; a retry finds the same job through the content-key claim ({@link UploadIdentity}).
 */
public final class ValidateService {
    /** First ranged GET of the header; grown ×8 while the header is truncated, up to {@link #MAX_HEAD}. */
    static final int FIRST_HEAD = 64 * 1024;
    static final int MAX_HEAD = 8 * 1024 * 1024;

    public record Request(String bucket, String key, Long size, String etag, String versionId, String executionId) {
    }

    public record Result(JobId jobId, boolean duplicate, boolean rejected, String reason) {
    }

    private final ObjectStore objects;
    private final ProgressStore progress;
    private final Limits limits;
    private final Clock clock;

    public ValidateService(ObjectStore objects, ProgressStore progress, Limits limits, Clock clock) {
        this.objects = objects;
        this.progress = progress;
        this.limits = limits;
        this.clock = clock;
    }

    public Result validate(Request r, JsonLog log) throws IOException {
        Source source = new Source(r.bucket(), r.key(), r.versionId(), r.etag(), r.size() == null ? 0 : r.size());
        // Keyed by bytes and effective parameters: the same picture with other parameters is another job.
        String contentKey = UploadIdentity.contentKey(objects, source);
        ProgressStore.Claim claim = progress.claim(contentKey, JobId.random(), r.executionId());
        JobId id = claim.jobId();
        log = log.with("jobId", id);
        if (!claim.won()) {
            boolean sameExecution = r.executionId() != null && r.executionId().equals(claim.executionId());
            if (!sameExecution) {
                // Another event owns this upload, even if its job record is not written yet (two deliveries racing):
                // only a retry of the owning execution may go on and (re)create the record.
                Optional<Job> existing = progress.get(id);
                log.info("duplicate upload event: the job for this object already exists", "state",
                        existing.map(j -> j.state().name()).orElse("being created"), "key", r.key());
                return new Result(id, true, false, null);
            }
        }
        progress.create(Job.received(id, source, contentKey, clock.instant()));
        Job job = progress.get(id).orElseThrow(() -> new IOException("job " + id + " vanished after creation"));
        if (job.state() != JobState.RECEIVED) {
            // A retry after this step already finished.
            log.info("validation already done", "state", job.state().name());
            boolean rejected = job.state() == JobState.FAILED;
            return new Result(id, false, rejected, rejected ? job.error() : null);
        }
        try {
            Checked c = check(source);
            if (!progress.transition(id, JobState.RECEIVED, JobState.VALIDATED,
                    JobPatch.validated(c.info.format().name(), c.info.orientedWidth(), c.info.orientedHeight(), c.parameters))) {
                Job now = progress.get(id).orElseThrow();
                log.warn("job moved on during validation", "state", now.state().name());
                return new Result(id, false, now.state() == JobState.FAILED, now.error());
            }
            log.info("upload accepted", "key", r.key(), "format", c.info.format().name(), "width",
                    c.info.orientedWidth(), "height", c.info.orientedHeight());
            return new Result(id, false, false, null);
        } catch (Rejection e) {
            progress.fail(id, e.getMessage());
            log.warn("upload rejected", "key", r.key(), "reason", e.getMessage());
            return new Result(id, false, true, e.getMessage());
        }
    }

    private record Checked(ImageInfo info, DreamParameters parameters) {
    }

    private Checked check(Source s) throws IOException, Rejection {
        if (!s.bucket().equals(objects.bucket())) {
            throw new Rejection("bucket '" + s.bucket() + "' is not the one this workflow watches ('" + objects.bucket() + "')");
        }
        String preset = UploadParameters.presetOf(s.key());
        ObjectStore.ObjectInfo head = objects.head(s.key(), s.versionId()).orElseThrow(() -> new Rejection(
                "the upload " + s.key() + " no longer exists (it was deleted or replaced before it could be read)"));
        if (!s.sameRevisionAs(head.etag())) {
            // Replaced between the event and now: the newer upload has its own event and job; dreaming the new bytes
            // under this job would only fail later, in the worker, after a GPU has started.
            throw new Rejection("the upload " + s.key() + " was replaced before it could be read (ETag " + head.etag()
                    + ", this event's " + s.etag() + "); the newer upload starts its own job");
        }
        if (head.size() == 0) {
            throw new Rejection("the file is empty (0 bytes)");
        }
        DreamParameters p = UploadParameters.resolve(preset, head.metadata().get(UploadParameters.METADATA_NAME));
        ModelCheck.check(objects, p);
        GuideCheck.check(objects, p);
        ImageInfo info = probe(s, head.size());
        long maxPixels = Math.min(limits.maxPixels(), p.maxPixels());
        if (info.pixels() > limits.maxPixels()) {
            // The service's own ceiling (MAX_PIXELS), which an upload's maxPixels cannot raise: say so, and what to do.
            throw new Rejection(String.format(java.util.Locale.ROOT, "the image is %d×%d = %s; this deployment "
                            + "accepts at most %s per image (MAX_PIXELS, sized so that assembly finishes within "
                            + "Lambda's 15 minutes): scale or split it, or dream it on one machine with "
                            + "`dreamscape dream` or local mode",
                    info.width(), info.height(), ImageProbe.pixels(info.pixels()), ImageProbe.pixels(limits.maxPixels())));
        }
        try {
            ImageProbe.checkLimit(info, maxPixels);
        } catch (ImageException e) {
            throw new Rejection(e.getMessage());
        }
        if (p.mask() != null) checkMask(p, info);
        long work = OctaveSizes.totalWork(info.orientedWidth(), info.orientedHeight(), p);
        if (work > limits.maxTotalWork()) {
            throw new Rejection(String.format(Locale.ROOT,
                    "this run would be %,d work units (%d×%d pixels, %d steps, %d octaves); the limit is %,d: lower steps, octaves or the image size",
                    work, info.orientedWidth(), info.orientedHeight(), p.steps(), p.octaves(), limits.maxTotalWork()));
        }
        return new Checked(info, p);
    }

    /**
     * The mask named by the parameters: it exists under masks/, its header reads as an image within the pixel limit,
     * and it has the image's shape as displayed ({@link MaskAspect}). The worker decodes it; like the image itself,
     * only its header is read here.
     */
    private void checkMask(DreamParameters p, ImageInfo image) throws IOException, Rejection {
        String key = StorageLayout.maskKey(p.mask());
        ObjectStore.ObjectInfo head = objects.head(key).orElseThrow(() -> new Rejection("the mask '" + p.mask()
                + "' is not in the bucket (looked for s3://" + objects.bucket() + "/" + key + "); upload the mask there "
                + "first, then the image"));
        if (head.size() == 0) throw new Rejection("the mask " + key + " is empty (0 bytes)");
        ImageInfo mask;
        try {
            mask = probe(key, null, head.size());
        } catch (Rejection e) {
            throw new Rejection("the mask " + key + " cannot be read as an image: " + e.getMessage());
        }
        try {
            ImageProbe.checkLimit(mask, limits.maxPixels());
        } catch (ImageException e) {
            throw new Rejection("the mask " + key + ": " + e.getMessage());
        }
        try {
            MaskAspect.check(mask.orientedWidth(), mask.orientedHeight(), image.orientedWidth(), image.orientedHeight());
        } catch (ParameterException e) {
            throw new Rejection(e.getMessage());
        }
    }

    /** Reads the header with ranged GETs, never the whole file unless the header demands it (up to 8 MiB). */
    private ImageInfo probe(Source s, long size) throws IOException, Rejection {
        return probe(s.key(), s.versionId(), size);
    }

    private ImageInfo probe(String key, String versionId, long size) throws IOException, Rejection {
        int want = (int) Math.min(size, FIRST_HEAD);
        while (true) {
            byte[] head = objects.getRange(key, versionId, 0, want);
            try {
                return ImageProbe.probe(head);
            } catch (ImageException e) {
                boolean more = e.isTruncated() && head.length < size && want < MAX_HEAD;
                if (!more) {
                    String reason = e.getMessage();
                    if (e.isTruncated() && head.length >= size) {
                        reason = reason + " (the whole file is " + size + " bytes: it was probably cut off during upload)";
                    } else if (e.isTruncated()) {
                        reason = "the image header is not within the first " + want + " bytes: " + reason;
                    }
                    throw new Rejection(reason);
                }
                want = (int) Math.min(size, (long) want * 8);
            }
        }
    }
}
