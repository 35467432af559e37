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
    private static final Pattern TILE = Pattern.compile("dream_files/(\\d{1,2})/(\\d{1,7})_(\\d{1,7})\\.jpg");
    private static final String DESCRIPTOR = "dream.dzi";

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
        return "jobs/" + id + "/deepzoom/" + DESCRIPTOR;
    }

    /** Resolves {@code jobs/{jobId}/deepzoom/{file}}. */
    public Answer resolve(String jobId, String file) throws IOException {
        if (!JobId.isValid(jobId)) {
            return new Missing("no such job");
        }
        Matcher tile = TILE.matcher(file);
        if (!file.equals(DESCRIPTOR) && !tile.matches()) {
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
        if (file.equals(DESCRIPTOR)) {
            String key = StorageLayout.deepZoomKey(j.outputKey());
            if (objects.head(key).isEmpty()) {
                return new Missing("this job has no deep-zoom pyramid (it was assembled before they were made)");
            }
            return new Descriptor(new String(objects.getBytes(key), StandardCharsets.UTF_8));
        }
        String key = StorageLayout.deepZoomTilesPrefix(j.outputKey()) + Integer.parseInt(tile.group(1)) + "/"
                + Integer.parseInt(tile.group(2)) + "_" + Integer.parseInt(tile.group(3)) + ".jpg";
        return new Tile(key);
    }
}
