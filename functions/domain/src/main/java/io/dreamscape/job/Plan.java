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
 * {@code createdAt} is ISO-8601 UTC. {@code version} is the schema version ({@value #VERSION}); readers ignore
 * unknown fields but refuse another version ({@link #fromJson}).
 *
 * <p>Version 2 (issue 11, split dreams): with several shards the dream is still one dream. {@code baseOctaves} = B:
 * a base job (worker index {@link #baseIndex()}) first dreams octaves {@code 0 … B-1} of the whole image and writes
 * their detail to {@link StorageLayout#baseDetailKey}; then each shard dreams octaves {@code B … n-1} of its region in
 * the whole image's coordinates ({@link ShardOctaves}), with the plan's own seed. {@code baseWork} is the base's
 * progress total (reported under index {@link #baseIndex()}; part of {@code totalWork}). One shard: B = 0, no base,
 * the classic whole-image dream.
 *
 * <p>{@code devices}: GPUs the one worker of a one-shard plan dreams on together (one image, one normaliser per step:
 * the multi-GPU job definition); 1, or absent, means one GPU per shard.
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
        int devices,
        int baseOctaves,
        long baseWork) {

    public static final int VERSION = 2;

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
                createdAt, passes, 1, 0, 0);
    }

    /** No base job (one shard, possibly on several GPUs). */
    public Plan(int version, JobId jobId, Source source, String format, int width, int height,
                DreamParameters parameters, List<OctaveSizes.Size> octaves, int halo, List<Shard> shards,
                long totalWork, Estimate estimate, String createdAt, List<OctavePass> passes, int devices) {
        this(version, jobId, source, format, width, height, parameters, octaves, halo, shards, totalWork, estimate,
                createdAt, passes, devices, 0, 0);
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

    /** True when a base job dreams the low octaves before the shards (plan version 2, several shards). */
    public boolean hasBase() {
        return baseOctaves > 0;
    }

    /** The worker index of the base job: one past the last shard (its progress, checkpoints and usage live there). */
    public int baseIndex() {
        return shards.size();
    }

    /** True when the shards dream their regions in the whole image's coordinates (several shards). */
    public boolean split() {
        return shards.size() > 1;
    }

    /** Shard {@code index}'s octaves in the whole image's pyramid (only for a split plan). */
    public ShardOctaves shardOctaves(int index) {
        return ShardOctaves.of(width, height, shard(index).withHalo(), baseOctaves, parameters);
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

    /**
     * Reads a plan of this version; a plan of another version is refused with {@link UnsupportedVersion}, whose
     * message says what to do (version 1 plans dreamt each shard on its own and cannot be resumed the new way).
     */
    public static Plan fromJson(byte[] json) {
        Plan p;
        try {
            p = MAPPER.readValue(json, Plan.class);
        } catch (IOException e) {
            throw new UncheckedIOException("plan.json is not a readable plan: " + e.getMessage(), e);
        }
        if (p.version() != VERSION) {
            throw new UnsupportedVersion(p);
        }
        return p;
    }

    /** A plan written by another version of Dreamscape. */
    public static final class UnsupportedVersion extends RuntimeException {
        UnsupportedVersion(Plan p) {
            super("the plan of job " + p.jobId() + " is version " + p.version() + " but this Dreamscape reads version "
                    + VERSION + (p.version() < VERSION ? " (it was planned by an older release, whose shards dreamt"
                    + " each on their own)" : " (it was planned by a newer release)") + "; upload the image again to"
                    + " plan and dream it with this release");
        }
    }
}
