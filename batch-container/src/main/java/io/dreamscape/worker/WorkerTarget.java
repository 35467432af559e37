package io.dreamscape.worker;

import io.dreamscape.engine.DreamEngine;
import io.dreamscape.engine.GradientStep;
import io.dreamscape.engine.region.BaseDream;
import io.dreamscape.engine.region.RegionGeometry;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.engine.storage.Resampler;
import io.dreamscape.engine.storage.StreamedInput;
import io.dreamscape.imaging.ImageInfo;
import io.dreamscape.imaging.RegionDecoder;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.JobId;
import io.dreamscape.job.OctaveSizes;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.ShardOctaves;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.stitch.ShardPng;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What one worker run dreams (plan version 2): the whole image (one shard), one shard's region of a split dream
 * (octaves {@code baseOctaves … n-1} in the whole image's coordinates, {@link RegionGeometry}), or the split dream's
 * base (octaves {@code 0 … baseOctaves-1} of the whole image, {@link BaseDream}), whose result is the detail the
 * shards start from ({@link StorageLayout#baseDetailKey}).
 *
 * @param input     the rectangle of the upload this run decodes (the halo; the whole image for the base)
 * @param octaves   the shard's octaves in the whole pyramid (split shards only, else null)
 */
record WorkerTarget(Kind kind, int index, Rect input, long work, String resultKey, DreamParameters engineParams,
                    ShardOctaves octaves, int baseOctaves) {

    enum Kind { WHOLE, SHARD, BASE }

    /** Worker index {@code index} of {@code plan}: a shard, or the base ({@link Plan#baseIndex()}). */
    static WorkerTarget of(Plan plan, int index) throws WorkerException {
        JobId id = plan.jobId();
        DreamParameters p = plan.parameters();
        if (plan.hasBase() && index == plan.baseIndex()) {
            return new WorkerTarget(Kind.BASE, index, new Rect(0, 0, plan.width(), plan.height()), plan.baseWork(),
                    StorageLayout.baseDetailKey(id), BaseDream.parameters(p, plan.baseOctaves()), null,
                    plan.baseOctaves());
        }
        if (index >= plan.shardCount()) {
            throw WorkerException.permanent("shard index " + index + " is outside the plan, which has "
                    + plan.shardCount() + " shard(s) (AWS_BATCH_JOB_ARRAY_INDEX 0 to " + (plan.shardCount() - 1) + ")"
                    + (plan.hasBase() ? " and a base job (SHARD_INDEX " + plan.baseIndex() + ")" : ""));
        }
        var shard = plan.shard(index);
        if (!plan.split()) {
            return new WorkerTarget(Kind.WHOLE, index, shard.withHalo(), shard.work(), shard.resultKey(id), p, null, 0);
        }
        return new WorkerTarget(Kind.SHARD, index, shard.withHalo(), shard.work(), shard.resultKey(id), p,
                plan.shardOctaves(index), plan.baseOctaves());
    }

    String describe() {
        return kind == Kind.BASE ? "base (octaves 0-" + (baseOctaves - 1) + ")" : "shard " + index;
    }

    /**
     * The image the engine dreams, from the decoded input: the base shrinks the whole image (dreamed with the plan's
     * parameters {@code p}) to its last octave; the others dream what they decoded.
     */
    FloatPlanes prepare(FloatPlanes decoded, DreamParameters p, Path dir) {
        if (kind != Kind.BASE) return decoded;
        try (decoded) {
            return BaseDream.shrink(decoded, p, baseOctaves, dir);
        }
    }

    /**
     * The mask for the image the engine dreams, from the mask decoded over this run's input rectangle (null: none):
     * the base dreams the whole image shrunk to its last octave, so its mask is shrunk the same way.
     */
    FloatPlanes maskFor(FloatPlanes decodedMask, FloatPlanes image, Path dir) {
        if (decodedMask == null || (decodedMask.width() == image.width() && decodedMask.height() == image.height())) {
            return decodedMask;
        }
        try (decodedMask) {
            FloatPlanes shrunk = FloatPlanes.createSingle(image.width(), image.height(), dir);
            Resampler.resize(decodedMask, shrunk);
            return shrunk;
        }
    }

    /** The sizes of the octaves the engine dreams for an image of {@code width × height} (progress, checkpoints). */
    List<OctaveSizes.Size> sizes(int width, int height) {
        return kind == Kind.SHARD ? octaves.sizes()
                : OctaveSizes.smallestFirst(width, height, engineParams.octaves(), engineParams.octaveScale());
    }

    /** The engine for this run; a split shard needs the base's detail over its {@link ShardOctaves#baseRegion()}. */
    DreamEngine engine(List<GradientStep> gradients, Path dir, FloatPlanes baseDetail, FloatPlanes mask) {
        DreamEngine e = new DreamEngine(gradients, engineParams, dir, mask);
        return kind == Kind.SHARD ? e.withGeometry(new RegionGeometry(octaves, engineParams, baseDetail)) : e;
    }

    /** True when this run starts from the base job's detail. */
    boolean needsBase() {
        return kind == Kind.SHARD && baseOctaves > 0;
    }

    /** Reads the shard's rectangle of the base's detail PNG into planes (d = 2·v − 1). */
    FloatPlanes readBaseDetail(Path png, Path dir) throws IOException {
        Rect r = octaves.baseRegion();
        ImageInfo info = RegionDecoder.probe(png, Long.MAX_VALUE);
        StreamedInput.Loaded loaded = StreamedInput.load(png, info, new Rectangle(r.x(), r.y(), r.width(), r.height()), dir);
        FloatPlanes p = loaded.planes();
        if (loaded.bitsPerSample() != 16) {
            p.close();
            throw new IOException("the base detail is " + loaded.bitsPerSample() + "-bit; it must be 16-bit");
        }
        float[] row = new float[p.width()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < p.height(); y++) {
                p.getRow(c, y, row);
                for (int x = 0; x < row.length; x++) row[x] = 2f * row[x] - 1f;
                p.putRow(c, y, row);
            }
        }
        return p;
    }

    /** Writes the engine's result: the halo rectangle, or for the base its detail (dreamed − shrunk), as a shard PNG. */
    void writeResult(FloatPlanes result, FloatPlanes dreamedFrom, Path file) throws IOException {
        int w = result.width();
        float[][] a = {new float[w], new float[w], new float[w]};
        float[] b = new float[w];
        try (ShardPng png = ShardPng.create(file, w, result.height())) {
            for (int y = 0; y < result.height(); y++) {
                for (int c = 0; c < 3; c++) {
                    result.getRow(c, y, a[c]);
                    if (kind == Kind.BASE) {
                        dreamedFrom.getRow(c, y, b);
                        for (int x = 0; x < w; x++) a[c][x] = (a[c][x] - b[x] + 1f) / 2f;
                    }
                }
                png.writeRow(a[0], a[1], a[2]);
            }
        }
    }
}
