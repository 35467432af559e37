package io.dreamscape.service;

import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deep-zoom routes of the status API, shared by the Lambda and local mode:
 *
 * <pre>
 * GET jobs/{jobId}/deepzoom/dream.dzi                      the descriptor (XML, served as is: it is tiny)
 * GET jobs/{jobId}/deepzoom/source.dzi, source_files/…     the same for the source's pyramid (the "before")
 * GET jobs/{jobId}/deepzoom/dream_files/{l}/{c}_{r}.jpg    a tile: the cloud answers with a short redirect to a
 *                                                           presigned URL; local mode streams it
 * </pre>
 *
 * The job id is the capability, as for {@code GET /jobs/{jobId}}: the bucket stays private, nothing but a signed URL
 * to one tile ever leaves, and a path that is not exactly one of these shapes (no {@code ..}, no other key) is 404.
 * The URLs are relative to the API's root, so OpenSeadragon, which derives tile URLs from the descriptor's, asks the
 * API for every tile.
 */
public final class DeepZoomService {
    /** A route below {@code /jobs/}: id, then the file. */
    public static final Pattern ROUTE = Pattern.compile("(?:.*)/jobs/([^/]+)/deepzoom/(.+)$");
    private static final Pattern TILE = Pattern.compile("(dream|source)_files/(\\d{1,2})/(\\d{1,7})_(\\d{1,7})\\.jpg");
    private static final Pattern DESCRIPTOR = Pattern.compile("(dream|source)\\.dzi");

    /** What a request resolves to. */
    public sealed interface Answer permits Descriptor, Tile, Missing {
    }

    /** The descriptor's XML. */
    public record Descriptor(String xml) implements Answer {
    }

    /** A tile's object key; the adapter redirects to a presigned URL of it (cloud) or streams it (local). */
    public record Tile(String key) implements Answer {
    }

    /** 404 with a sentence. */
    public record Missing(String message) implements Answer {
    }

    private final ProgressStore progress;
    private final ObjectStore objects;

    public DeepZoomService(ProgressStore progress, ObjectStore objects) {
        this.progress = progress;
        this.objects = objects;
    }

    /** How long a tile's presigned URL lives: long enough to load, short enough that a copied link soon dies. */
    public static final java.time.Duration TILE_URL_TTL = java.time.Duration.ofMinutes(5);

    /** A presigned GET of a tile, for the cloud's redirect. */
    public java.net.URI presign(Tile tile) {
        return objects.presignGet(tile.key(), TILE_URL_TTL);
    }

    /** The descriptor's URL for a job, relative to the API's root (as the status document gives it). */
    public static String url(JobId id) {
        return "jobs/" + id + "/deepzoom/dream.dzi";
    }

    /** Resolves {@code jobs/{jobId}/deepzoom/{file}}. */
    public Answer resolve(String jobId, String file) throws IOException {
        if (!JobId.isValid(jobId)) {
            return new Missing("no such job");
        }
        Matcher tile = TILE.matcher(file);
        Matcher descriptor = DESCRIPTOR.matcher(file);
        if (!descriptor.matches() && !tile.matches()) {
            return new Missing("no such deep-zoom file: " + file);
        }
        Optional<Job> job = progress.get(JobId.of(jobId));
        if (job.isEmpty()) {
            return new Missing("no such job");
        }
        Job j = job.get();
        if (j.state() != JobState.COMPLETED || j.outputKey() == null) {
            return new Missing("the job is " + j.state() + "; its deep-zoom view exists once it is COMPLETED");
        }
        if (descriptor.matches()) {
            String key = StorageLayout.deepZoomKey(base(j, descriptor.group(1)));
            if (objects.head(key).isEmpty()) {
                return new Missing("this job has no such deep-zoom pyramid (assembled before they were made)");
            }
            return new Descriptor(new String(objects.getBytes(key), StandardCharsets.UTF_8));
        }
        String key = StorageLayout.deepZoomTilesPrefix(base(j, tile.group(1))) + Integer.parseInt(tile.group(2)) + "/"
                + Integer.parseInt(tile.group(3)) + "_" + Integer.parseInt(tile.group(4)) + ".jpg";
        return new Tile(key);
    }

    /** The key a pyramid is named after: the result's, or the source's beside it. */
    private static String base(Job j, String which) {
        return which.equals("source") ? StorageLayout.sourceOutputKey(j.outputKey()) : j.outputKey();
    }

    /** The source pyramid's URL when it exists (small enough sources only), else null. */
    public String sourceUrl(Job j) {
        try {
            if (j.outputKey() != null
                    && objects.head(StorageLayout.deepZoomKey(StorageLayout.sourceOutputKey(j.outputKey()))).isPresent()) {
                return "jobs/" + j.jobId() + "/deepzoom/source.dzi";
            }
        } catch (IOException | RuntimeException e) {
            // the slider is a nicety: without it the viewer shows the result alone
        }
        return null;
    }
}
