package io.dreamscape.job;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One Batch array child's region. The worker dreams the {@code halo} rectangle (the {@code core} grown by the plan's halo
 * on every side that has a neighbour, clipped to the image) as an image of its own, and writes the dreamed halo
 * rectangle, full size, to {@link #resultKey(JobId)}. Assembly keeps each core and blends neighbours linearly across the
 * overlap, so no seam shows.
 *
 * <p><b>Shard result format</b>: a PNG, RGB (colour type 2), 16 bits per sample, non-interlaced, sRGB, exactly
 * {@code halo.width × halo.height} pixels, pixel (0,0) = full-image pixel (halo.x, halo.y). 8-bit RGB/RGBA PNGs are
 * also accepted by assembly, but 16 bits keep the dream's precision through the blend.
 *
 * <p>{@code work} is this shard's progress total: {@link OctaveSizes#totalWork} of the halo size. The worker adds
 * units in the same measure (pixels × steps of each octave of its halo image), so its own percentage is
 * shardWorkDone / work, and the job's is the sum over shards / {@link Plan#totalWork()}.
 */
public record Shard(int index, Rect core, Rect halo, long work) {

    public Shard {
        if (!halo.contains(core)) {
            throw new IllegalArgumentException("shard " + index + ": halo " + halo + " does not contain core " + core);
        }
    }

    /** The region this shard owns in the output. */
    public Rect core() {
        return core;
    }

    /** The region this shard dreams (and writes). */
    public Rect withHalo() {
        return halo;
    }

    @JsonIgnore
    public String resultKey(JobId jobId) {
        return StorageLayout.shardResultKey(jobId, index);
    }

    @JsonIgnore
    public String checkpointPrefix(JobId jobId) {
        return StorageLayout.checkpointPrefix(jobId, index);
    }
}
