package io.dreamscape.service;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The status API's documents, shared by the Lambda and local mode. Field names are stable:
 *
 * <pre>
 * job:  jobId, state, percent (0-100, one decimal), currentOctave (0-based, smallest octave first; null before
 *       dreaming), octaves, etaSeconds (null when unknown), sourceKey, sourceBucket, width, height, createdAt,
 *       updatedAt, startedAt, heartbeatAt (ISO-8601 UTC or null), error (null unless FAILED), outputKey, previewKey,
 *       thumbKey (null until COMPLETED), outputUrl, previewUrl, thumbUrl, urlExpiresAt (presigned, COMPLETED only;
 *       previewUrl also while DREAMING: the live preview of the working image, ≤ 1024 px, once there is one: a presigned
 *       URL of the one shard's picture, or for a multi-shard job the relative URL of the whole frame's mosaic,
 *       {@link LiveMosaic}),
 *       deepZoomUrl (COMPLETED only: the DZI descriptor, relative to the API root; see {@link DeepZoomService}),
 *       sourceDeepZoomUrl (the source's pyramid, for the viewer's before/after slider; null when there is none),
 *       shards: [{index, percent, done, total, octave}], estimate: {gpuSeconds, wallSeconds, costUsd, ...},
 *       actual: {gpuSeconds, costUsd, attempts, workUnitsPerGpuSecond, overheadSecondsPerShard} (once assembled, when
 *       the workers recorded their usage; see UsageTotals), 
 *       parameters (the resolved parameter schema)
 * list: {"jobs": [job...], "next": cursor or null}, newest first
 * </pre>
 */
public final class StatusService {
    private final ProgressStore progress;
    private final ObjectStore objects;
    private final Duration urlTtl;
    private final Clock clock;
    private final DeepZoomService deepZoom;
    private final LiveMosaic liveMosaic;

    public StatusService(ProgressStore progress, ObjectStore objects, Duration urlTtl, Clock clock) {
        this.progress = progress;
        this.objects = objects;
        this.urlTtl = ObjectStore.checkTtl(urlTtl);
        this.clock = clock;
        this.deepZoom = new DeepZoomService(progress, objects);
        this.liveMosaic = new LiveMosaic(progress, objects);
    }

    /** The live mosaic route of a multi-shard job over the same stores. */
    public LiveMosaic liveMosaic() {
        return liveMosaic;
    }

    /** The deep-zoom routes over the same stores. */
    public DeepZoomService deepZoom() {
        return deepZoom;
    }

    public Optional<Map<String, Object>> job(JobId id) throws IOException {
        Optional<Job> job = progress.get(id);
        return job.map(this::view);
    }

    public Map<String, Object> list(String sourceKey, int limit, String cursor) throws IOException {
        ProgressStore.Page page = progress.list(sourceKey, limit, cursor);
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (Job j : page.jobs()) {
            jobs.add(view(j));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jobs", jobs);
        out.put("next", page.next());
        return out;
    }

    public Map<String, Object> view(Job j) {
        Instant now = clock.instant();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", j.jobId().value());
        m.put("state", j.state().name());
        m.put("percent", j.percent());
        m.put("currentOctave", j.currentOctave());
        m.put("octaves", j.parameters() == null ? null : j.parameters().octaves());
        m.put("etaSeconds", j.etaSeconds(now));
        m.put("sourceKey", j.source().key());
        m.put("sourceBucket", j.source().bucket());
        m.put("width", j.width());
        m.put("height", j.height());
        m.put("createdAt", str(j.createdAt()));
        m.put("updatedAt", str(j.updatedAt()));
        m.put("startedAt", str(j.startedAt()));
        m.put("heartbeatAt", str(j.heartbeatAt()));
        m.put("error", j.error());
        m.put("outputKey", j.outputKey());
        m.put("previewKey", j.previewKey());
        m.put("thumbKey", j.thumbKey());
        boolean done = j.state() == JobState.COMPLETED && j.outputKey() != null;
        m.put("outputUrl", done ? objects.presignGet(j.outputKey(), urlTtl).toString() : null);
        m.put("previewUrl", done && j.previewKey() != null ? objects.presignGet(j.previewKey(), urlTtl).toString()
                : j.state() == JobState.DREAMING ? livePreviewUrl(j) : null);
        m.put("thumbUrl", done && j.thumbKey() != null ? objects.presignGet(j.thumbKey(), urlTtl).toString() : null);
        m.put("urlExpiresAt", done ? now.plus(urlTtl).toString() : null);
        m.put("deepZoomUrl", done ? DeepZoomService.url(j.jobId()) : null);
        m.put("sourceDeepZoomUrl", done ? deepZoom.sourceUrl(j) : null);
        List<Map<String, Object>> shards = new ArrayList<>();
        for (int i = 0; i < j.shardWork().size(); i++) {
            long total = j.shardWork().get(i);
            long did = j.shardDone().getOrDefault(i, 0L);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("index", i);
            s.put("percent", j.state() == JobState.COMPLETED ? 100.0
                    : total <= 0 ? 0.0 : Math.floor(Math.min(100.0, 100.0 * did / total) * 10) / 10);
            s.put("done", did);
            s.put("total", total);
            s.put("octave", j.shardOctave().get(i));
            shards.add(s);
        }
        m.put("shards", shards);
        m.put("estimate", j.estimate());
        m.put("actual", j.estimate() == null ? null : j.estimate().actual());
        m.put("parameters", j.parameters());
        return m;
    }

    /**
     * While dreaming: the one shard's latest live preview, or for several shards the mosaic of all (composed on
     * request, {@link LiveMosaic}) once any shard has reported an octave. The worker puts octave
     * k's picture before it reports octave k's end, so when the reported octave's own picture is not there yet the
     * previous octave's is.
     */
    private String livePreviewUrl(Job j) {
        if (j.shardWork().size() > 1) {
            return j.shardOctave().isEmpty() ? null : LiveMosaic.url(j);
        }
        Integer octave = j.shardOctave().get(0);
        if (octave == null) {
            return null;
        }
        try {
            String key = StorageLayout.livePreviewKey(j.jobId(), 0, octave);
            if (objects.head(key).isEmpty()) {
                if (octave == 0) return null;
                key = StorageLayout.livePreviewKey(j.jobId(), 0, octave - 1);
            }
            return objects.presignGet(key, urlTtl).toString();
        } catch (IOException | RuntimeException e) {
            return null; // the picture is a nicety: never fail the status document for it
        }
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }

    /** The self-refreshing HTML status page; it reads the JSON API relative to its own URL. */
    public static String page() {
        try (InputStream in = StatusService.class.getResourceAsStream("/io/dreamscape/status/index.html")) {
            if (in == null) {
                throw new IllegalStateException("status page resource is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
