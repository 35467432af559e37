package io.dreamscape.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code jobs/{jobId}/plan.json}: everything a GPU worker needs to dream its shard, and what assembly needs to stitch.
 *
 * <ul>
 *   <li>{@code source}: bucket, key, versionId (null when unversioned) and etag of the upload; read that exact version.</li>
 *   <li>{@code format}, {@code width}, {@code height}: the input's format and its size <em>after</em> EXIF orientation
 *   (every rectangle is in these coordinates; the output has exactly this size).</li>
 *   <li>{@code parameters}: fully resolved {@link DreamParameters} (defaults, preset, metadata), with the {@code seed}
 *   chosen at plan time when none was given, so a retried shard dreams the same pixels. Shard {@code i} should derive
 *   its random stream from {@code seed} and {@code i}.</li>
 *   <li>{@code octaves}: {@link OctaveSizes#smallestFirst} of the full image (informational; each worker computes the
 *   octaves of its own halo rectangle the same way).</li>
 *   <li>{@code halo}: the overlap margin in full-resolution pixels; {@code shards}: see {@link Shard}.</li>
 *   <li>{@code totalWork}: the progress total = sum of the shards' {@code work} (equals
 *   {@link OctaveSizes#totalWork} of the whole image when there is one shard). Percent = done / totalWork.</li>
 * </ul>
 * {@code passes}: per octave of the whole image, its tiles per step and work ({@link OctavePass}; informational).
 * {@code createdAt} is ISO-8601 UTC. {@code version} is the schema version (1); readers ignore unknown fields.
 * {@code devices}: GPUs the one worker of a one-shard plan dreams on together (one image, one normaliser per step:
 * the multi-GPU job definition); 1, or absent in older plans, means one GPU per shard.
 */
public record Plan(
        int version,
        JobId jobId,
        Source source,
        String format,
        int width,
        int height,
        DreamParameters parameters,
        List<OctaveSizes.Size> octaves,
        int halo,
        List<Shard> shards,
        long totalWork,
        Estimate estimate,
        String createdAt,
        List<OctavePass> passes,
        int devices) {

    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public Plan {
        shards = List.copyOf(shards);
        octaves = List.copyOf(octaves);
        passes = passes == null ? List.of() : List.copyOf(passes);
        devices = Math.max(1, devices);
        if (devices > 1 && shards.size() > 1) {
            throw new IllegalArgumentException("a plan runs either several shards or one shard on several GPUs");
        }
    }

    /** One GPU per shard. */
    public Plan(int version, JobId jobId, Source source, String format, int width, int height,
                DreamParameters parameters, List<OctaveSizes.Size> octaves, int halo, List<Shard> shards,
                long totalWork, Estimate estimate, String createdAt, List<OctavePass> passes) {
        this(version, jobId, source, format, width, height, parameters, octaves, halo, shards, totalWork, estimate,
                createdAt, passes, 1);
    }

    public int shardCount() {
        return shards.size();
    }

    public Shard shard(int index) {
        Shard s = shards.get(index);
        if (s.index() != index) {
            throw new IllegalStateException("plan shards are out of order at " + index);
        }
        return s;
    }

    /** Batch array size: K children for K ≥ 2 shards; K = 1 runs as a plain (non-array) job. */
    public int arraySize() {
        return shards.size();
    }

    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Plan fromJson(byte[] json) {
        try {
            return MAPPER.readValue(json, Plan.class);
        } catch (IOException e) {
            throw new UncheckedIOException("plan.json is not a readable plan: " + e.getMessage(), e);
        }
    }
}
