package io.dreamscape.worker;

import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.engine.TestFixtures;
import io.dreamscape.engine.storage.FloatPlanes;
import io.dreamscape.job.DreamParameters;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.LayerWeight;
import io.dreamscape.job.ParameterOverrides;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.Source;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.stitch.PngRowReader;
import io.dreamscape.testing.Loopback;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A job as the Lambdas leave it for the workers, on the loopback servers: the upload in the bucket, the job record
 * PLANNED in the table, {@code plan.json} written by the real {@link Planner} split into {@code shards} shards.
 */
final class PlannedJob {
    final S3ObjectStore objects;
    final DynamoProgressStore progress;
    final String table;
    final JobId id;
    final Plan plan;

    private PlannedJob(S3ObjectStore objects, DynamoProgressStore progress, String table, JobId id, Plan plan) {
        this.objects = objects;
        this.progress = progress;
        this.table = table;
        this.id = id;
        this.plan = plan;
    }

    /** The tiny fixture model's dream parameters with a fixed seed: fast on two cores. */
    static DreamParameters params(int octaves, int steps) {
        return DreamParameters.defaults().with(ParameterOverrides.builder()
                .model(TestFixtures.fixture("tiny_dict.pt").toString()).layers(List.of(LayerWeight.parse("conv2")))
                .octaves(octaves).octaveScale(1.4).steps(steps).stepSize(1.5).jitter(8).tile(64).seed(20261126L)
                .wrap(io.dreamscape.job.Wrap.NONE).quality(95).build()).validated();
    }

    static PlannedJob create(int width, int height, int shards, DreamParameters p) throws IOException {
        return create(width, height, shards, p, true);
    }

    static PlannedJob create(int width, int height, int shards, DreamParameters p, boolean writePlan) throws IOException {
        Loopback servers = Loopback.get();
        S3ObjectStore objects = servers.newBucket();
        Loopback.Table named = servers.newNamedTable();
        String[] table = {named.name()};
        DynamoProgressStore progress = named.store();
        String key = "uploads/photo-" + width + "x" + height + ".png";
        objects.put(key, png(width, height), "image/png");
        ObjectStore.ObjectInfo info = objects.head(key).orElseThrow();
        Source source = new Source(objects.bucket(), key, info.versionId(), info.etag(), info.size());
        JobId id = JobId.random();
        Job job = Job.received(id, source, Instant.now());
        if (!progress.create(job)) throw new IllegalStateException("job exists");
        progress.advance(id, JobState.VALIDATED, JobPatch.validated("PNG", width, height, p));
        Planner planner = new Planner(new PlannerConfig(1, 1e-9, shards, 1.0, 0, null));
        Plan plan = planner.plan(id, source, "PNG", width, height, p, Instant.now());
        if (plan.shardCount() != shards) throw new IllegalStateException("planned " + plan.shardCount() + " shards");
        if (writePlan) objects.put(StorageLayout.planKey(id), plan.toJson(), "application/json");
        progress.transition(id, JobState.VALIDATED, JobState.PLANNED, JobPatch.planned(p, plan.totalWork(),
                plan.shards().stream().map(Shard::work).toList(), null));
        return new PlannedJob(objects, progress, table[0], id, plan);
    }

    /** A smooth colourful test photo (8-bit RGB PNG). */
    static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (int) (127 + 100 * Math.sin(x / 9.0) * Math.cos(y / 13.0));
                int g = (int) (127 + 90 * Math.sin((x + y) / 17.0));
                int b = (x * 255 / w + y * 255 / h) / 2;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** The environment Batch would give shard {@code index}'s container. */
    Map<String, String> env(int index) {
        Loopback s = Loopback.get();
        Map<String, String> env = new HashMap<>();
        env.put("JOB_ID", id.value());
        env.put("BUCKET", objects.bucket());
        env.put("TABLE", table);
        if (plan.hasBase() && index == plan.baseIndex()) {
            env.put("SHARD_INDEX", Integer.toString(index)); // the base job: a plain Batch job told its index
        } else if (plan.shardCount() > 1) {
            env.put("AWS_BATCH_JOB_ARRAY_INDEX", Integer.toString(index));
        }
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", Loopback.ACCESS);
        env.put("AWS_SECRET_ACCESS_KEY", Loopback.SECRET);
        env.put("AWS_ENDPOINT_URL_S3", s.s3Endpoint.toString());
        env.put("AWS_ENDPOINT_URL_DYNAMODB", s.dynamoEndpoint.toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        return env;
    }

    Job job() throws IOException {
        return progress.get(id).orElseThrow();
    }

    /** The base job's detail PNG (a split plan's), as stored. */
    byte[] baseDetail() throws IOException {
        return objects.getBytes(StorageLayout.baseDetailKey(id));
    }

    boolean hasResult(int index) throws IOException {
        return objects.head(StorageLayout.shardResultKey(id, index)).isPresent();
    }

    boolean hasCheckpoint(int index) throws IOException {
        return objects.head(Worker.checkpointKey(id, index)).isPresent();
    }

    /** The shard's result as 16-bit samples, read with the assembler's own PNG reader; checks its size. */
    /**
     * An engine image as {@link #result} reads a shard file back: interleaved RGB, each sample clipped to 0..1 and
     * rounded to 16 bits (what the worker writes for the dream of a whole one-shard image).
     */
    static int[] samples16(FloatPlanes image) {
        int w = image.width();
        int[] samples = new int[3 * w * image.height()];
        float[] row = new float[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < image.height(); y++) {
                image.getRow(c, y, row);
                for (int x = 0; x < w; x++) samples[(y * w + x) * 3 + c] = Math.round(Math.min(1f, Math.max(0f, row[x])) * 65535f);
            }
        }
        return samples;
    }

    int[] result(int index) throws IOException {
        Shard s = plan.shard(index);
        try (InputStream in = objects.open(StorageLayout.shardResultKey(id, index));
             PngRowReader png = new PngRowReader(in)) {
            if (png.width() != s.withHalo().width() || png.height() != s.withHalo().height() || png.bitDepth() != 16) {
                throw new AssertionError("shard result is " + png.width() + "×" + png.height() + "@" + png.bitDepth()
                        + ", expected " + s.withHalo() + " at 16 bits");
            }
            int w = png.width();
            int[] all = new int[3 * w * png.height()];
            int[] row = new int[3 * w];
            for (int y = 0; y < png.height(); y++) {
                png.readRow(row);
                System.arraycopy(row, 0, all, y * 3 * w, 3 * w);
            }
            return all;
        }
    }
}
