package io.dreamscape.service;

import io.dreamscape.imaging.ImageDecoder;
import io.dreamscape.imaging.ImageFormat;
import io.dreamscape.job.Estimate;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.log.JsonLog;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.stitch.DeepZoomWriter;
import io.dreamscape.stitch.Stitcher;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Stitches the shards into the outputs and completes the job. Shards are downloaded to local scratch one at a time,
 * just before their first row is needed, and deleted after their last, so scratch holds at most two rows of the shard
 * grid plus the outputs; memory holds a few output rows plus the preview (see {@link Stitcher}). The same rows feed
 * the Deep Zoom pyramid ({@link DeepZoomWriter}: about 2 KB per output column more), uploaded beside the output.
 *
 * <p><b>Measured</b> ({@code io.dreamscape.bench.AssembleBenchmark}, 2-core Debian VM shared with other builds,
 * JDK 25): 80 MP (10000×8000, 2 shards) in 21-26 s with {@code -Xmx48m}, heap peak 37 MB, process RSS 108 MB;
 * 250 MP (20000×12500, 9 shards of 16-bit PNG, 1.45 GB in all) in 106 s with {@code -Xmx64m}, heap peak 39 MB,
 * RSS 120 MB, JPEG q95 of noisy content 111 MB. Memory does not grow with the pixel count (only with the width:
 * ~16 bytes per column), so 1024-2048 MB is plenty; more memory only buys CPU (Lambda gives a full vCPU at
 * 1769 MB). Scratch: two grid rows of shards (≈ 6 bytes/pixel before compression) plus the output JPEG; for
 * 250 MP budget about 2 GB of ephemeral storage.
 */
public final class AssembleService {
    public static final int PREVIEW_SIDE = 2048;
    public static final int THUMB_SIDE = 256;
    private static final int EXIF_HEAD = 1 << 20;

    public record Result(JobId jobId, JobState state, String outputKey) {
    }

    private final ObjectStore objects;
    private final ProgressStore progress;
    private final Path scratch;

    public AssembleService(ObjectStore objects, ProgressStore progress, Path scratch) {
        this.objects = objects;
        this.progress = progress;
        this.scratch = scratch;
    }

    public Result assemble(JobId id, JsonLog log) throws IOException {
        Job job = progress.get(id).orElseThrow(() -> new IllegalStateException("no job " + id));
        if (job.state() == JobState.COMPLETED) {
            log.info("already assembled");
            return new Result(id, JobState.COMPLETED, job.outputKey());
        }
        if (job.state() == JobState.FAILED) {
            throw new IllegalStateException("job " + id + " has failed: " + job.error());
        }
        if (job.state().ordinal() < JobState.PLANNED.ordinal()) {
            throw new IllegalStateException("job " + id + " is " + job.state() + "; it has no plan to assemble");
        }
        if (!progress.advance(id, JobState.ASSEMBLING, null)) {
            // Only a job already ASSEMBLING (a retried assembly) may go on: a job failed or cancelled meanwhile must
            // not get outputs, nor overwrite those of an earlier job with the same name.
            Job now = progress.get(id).orElseThrow(() -> new IllegalStateException("job " + id + " vanished"));
            if (now.state() != JobState.ASSEMBLING) {
                throw new IllegalStateException("job " + id + " is " + now.state() + "; it cannot be assembled"
                        + (now.error() == null ? "" : ": " + now.error()));
            }
        }
        Plan plan = Plan.fromJson(objects.getBytes(StorageLayout.planKey(id)));
        for (Shard s : plan.shards()) {
            if (objects.head(s.resultKey(id)).isEmpty()) {
                throw new IllegalStateException("shard " + (s.index() + 1) + " of " + plan.shardCount()
                        + " has no result (" + s.resultKey(id) + "): its GPU job did not finish");
            }
        }
        Path dir = Files.createTempDirectory(Files.createDirectories(scratch), "assemble-");
        try {
            byte[] exif = exif(plan, dir);
            Path out = dir.resolve("out.dream.jpg");
            Path preview = dir.resolve("out.preview.jpg");
            Path thumb = dir.resolve("out.thumb.jpg");
            Path dzi = dir.resolve("out.dream.dzi");
            DeepZoomWriter zoom = DeepZoomWriter.jpeg(plan.width(), plan.height(), dzi);
            long t0 = System.nanoTime();
            Stitcher.Outputs o = Stitcher.stitch(plan.width(), plan.height(), plan.shards(), s -> download(id, s, dir),
                    plan.parameters().quality(), exif, out, preview, thumb, PREVIEW_SIDE, THUMB_SIDE, zoom::addRow);
            log.info("stitched", "width", o.width(), "height", o.height(), "shards", plan.shardCount(),
                    "seconds", (System.nanoTime() - t0) / 1e9, "bytes", Files.size(out), "tiles", zoom.tilesWritten());
            // Keys of this job only (see StorageLayout): never another job's outputs, whatever the upload's name.
            StorageLayout.Outputs keys = StorageLayout.outputs(job);
            String outputKey = keys.image();
            String previewKey = keys.preview();
            String thumbKey = keys.thumb();
            long t1 = System.nanoTime();
            // The pyramids go under the same job prefix, beside the output (StorageLayout.deepZoomKey).
            int tiles = DeepZoomUpload.put(objects, dzi, zoom.filesDirectory(), outputKey);
            log.info("deep zoom uploaded", "tiles", tiles, "seconds", (System.nanoTime() - t1) / 1e9);
            try {
                long t2 = System.nanoTime();
                int sourceTiles = SourcePyramid.write(objects, plan, outputKey, dir);
                log.info("source pyramid", "tiles", sourceTiles, "seconds", (System.nanoTime() - t2) / 1e9);
            } catch (IOException | RuntimeException e) {
                log.warn("no source pyramid: the viewer shows the result alone", "error", String.valueOf(e.getMessage()));
            }
            objects.putFile(previewKey, preview, "image/jpeg");
            objects.putFile(thumbKey, thumb, "image/jpeg");
            objects.putFile(outputKey, out, "image/jpeg");
            JobPatch done = JobPatch.completed(outputKey, previewKey, thumbKey);
            Estimate.Actual actual = UsageTotals.of(objects, id, plan);
            Estimate estimate = job.estimate() != null ? job.estimate() : plan.estimate();
            if (actual != null && estimate != null) {
                done = new JobPatch(null, null, null, null, null, null, estimate.withActual(actual), outputKey,
                        previewKey, thumbKey, null);
                log.info("actual usage", "gpuSeconds", actual.gpuSeconds(), "costUsd", actual.costUsd(),
                        "attempts", actual.attempts(), "workUnitsPerGpuSecond", actual.workUnitsPerGpuSecond());
            }
            if (!progress.transition(id, JobState.ASSEMBLING, JobState.COMPLETED, done)) {
                Job now = progress.get(id).orElseThrow();
                if (now.state() != JobState.COMPLETED) {
                    throw new IllegalStateException("job " + id + " became " + now.state() + " during assembly");
                }
            }
            log.info("completed", "outputKey", outputKey);
            return new Result(id, JobState.COMPLETED, outputKey);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The source's EXIF (JPEG sources only), from a ranged read of its head. */
    private byte[] exif(Plan plan, Path dir) throws IOException {
        if (!ImageFormat.JPEG.name().equals(plan.format())) {
            return null;
        }
        byte[] head = objects.getRange(plan.source().key(), plan.source().versionId(), 0, EXIF_HEAD);
        Path f = dir.resolve("source-head.jpg");
        Files.write(f, head);
        try {
            return ImageDecoder.readExif(f);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private InputStream download(JobId id, Shard s, Path dir) throws IOException {
        Path f = dir.resolve("shard-" + s.index() + ".png");
        try (InputStream in = objects.open(s.resultKey(id))) {
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
        }
        return new FilterInputStream(Files.newInputStream(f)) {
            @Override
            public void close() throws IOException {
                super.close();
                Files.deleteIfExists(f);
            }
        };
    }
}
