package io.dreamscape.e2e.stepfunctions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.stitch.PngRowWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * What a {@code batch:submitJob.sync} task leaves behind, without a GPU: for each array child (or the single job) it
 * reads the plan, "dreams" its halo rectangle (inverts the colours), writes the shard result in the documented format
 * (16-bit RGB PNG of the halo, see {@link Shard}), moves the job to DREAMING and adds the shard's work, as the worker
 * (issue 5) does. It answers like Batch's DescribeJobs; a failing job answers like Step Functions reports a failed
 * Batch job (States.TaskFailed, the job description as the cause).
 */
final class WorkerStandIn implements LambdaEndpoint.BatchJob {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectStore objects;
    private final ProgressStore progress;
    private final AtomicInteger children = new AtomicInteger();
    private final AtomicInteger baseRuns = new AtomicInteger();
    private final AtomicInteger baseFailuresLeft = new AtomicInteger();
    private volatile Integer failExitCode;
    private volatile String failReason;
    private volatile int baseExitCode;
    private volatile String baseReason;

    WorkerStandIn(ObjectStore objects, ProgressStore progress) {
        this.objects = objects;
        this.progress = progress;
    }

    /** Every attempt of every shard job (array child or single) exits with this code (Batch does not retry it). */
    void failEveryAttempt(int exitCode, String reason) {
        this.failExitCode = exitCode;
        this.failReason = reason;
    }

    int childrenRun() {
        return children.get();
    }

    /** The first {@code attempts} runs of a split dream's base job exit with this code (later ones succeed). */
    void failBaseAttempts(int attempts, int exitCode, String reason) {
        this.baseExitCode = exitCode;
        this.baseReason = reason;
        baseFailuresLeft.set(attempts);
    }

    /** Base jobs that ran to the end (wrote the base detail). */
    int baseRuns() {
        return baseRuns.get();
    }

    @Override
    public JsonNode run(String stateName, JsonNode parameters) throws LambdaEndpoint.BatchJobFailed {
        String jobName = parameters.path("JobName").asText();
        JobId jobId = JobId.of(parameters.path("ContainerOverrides").path("Environment").get(0).path("Value").asText());
        int size = parameters.path("ArrayProperties").path("Size").asInt(0);
        String batchJobId = UUID.randomUUID().toString();
        String baseIndex = environment(parameters, "SHARD_INDEX");
        boolean failThis = baseIndex != null ? baseFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                : failExitCode != null;
        if (failThis) {
            int exit = baseIndex != null ? baseExitCode : failExitCode;
            String reason = baseIndex != null ? baseReason : failReason;
            ObjectNode description = description(batchJobId, jobName, "FAILED", size);
            description.put("StatusReason", size > 0 ? "Array Child Job failed" : "Essential container in task exited");
            description.putArray("Attempts").addObject()
                    .put("StatusReason", "Essential container in task exited")
                    .putObject("Container").put("ExitCode", exit).put("Reason", reason);
            throw new LambdaEndpoint.BatchJobFailed(description.toString());
        }
        try {
            Plan plan = Plan.fromJson(objects.getBytes(StorageLayout.planKey(jobId)));
            if (baseIndex != null) {
                base(jobId, plan, Integer.parseInt(baseIndex));
                baseRuns.incrementAndGet();
                return description(batchJobId, jobName, "SUCCEEDED", 0);
            }
            BufferedImage source;
            try (InputStream in = objects.open(plan.source().key(), plan.source().versionId())) {
                source = ImageIO.read(in);
            }
            for (int index = 0; index < Math.max(1, size); index++) {
                dream(jobId, plan.shard(index), source);
                children.incrementAndGet();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return description(batchJobId, jobName, "SUCCEEDED", size);
    }

    /**
     * The base job of a split dream: a detail of zero (sample 32768) at the base's last octave, as the base worker
     * writes it ({@link StorageLayout#baseDetailKey}), and the base's work.
     */
    private void base(JobId jobId, Plan plan, int index) throws IOException {
        if (!plan.hasBase() || index != plan.baseIndex()) {
            throw new IllegalStateException("SHARD_INDEX " + index + " is not this plan's base " + plan.baseIndex());
        }
        progress.advance(jobId, JobState.DREAMING, null);
        var size = plan.octaves().get(plan.baseOctaves() - 1);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try (PngRowWriter writer = new PngRowWriter(png, size.width(), size.height())) {
            int[] row = new int[size.width() * 3];
            java.util.Arrays.fill(row, 32768);
            for (int y = 0; y < size.height(); y++) writer.writeRow(row);
        }
        objects.put(StorageLayout.baseDetailKey(jobId), png.toByteArray(), "image/png");
        progress.addWork(jobId, index, plan.baseWork(), null, Instant.now());
    }

    static String environment(JsonNode parameters, String name) {
        for (JsonNode e : parameters.path("ContainerOverrides").path("Environment")) {
            if (name.equals(e.path("Name").asText())) return e.path("Value").asText();
        }
        return null;
    }

    private void dream(JobId jobId, Shard shard, BufferedImage source) throws IOException {
        progress.advance(jobId, JobState.DREAMING, null);
        Rect r = shard.withHalo();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try (PngRowWriter writer = new PngRowWriter(png, r.width(), r.height())) {
            int[] row = new int[r.width() * 3];
            for (int y = 0; y < r.height(); y++) {
                for (int x = 0; x < r.width(); x++) {
                    int rgb = source.getRGB(r.x() + x, r.y() + y);
                    row[3 * x] = (255 - (rgb >> 16 & 0xff)) * 257;
                    row[3 * x + 1] = (255 - (rgb >> 8 & 0xff)) * 257;
                    row[3 * x + 2] = (255 - (rgb & 0xff)) * 257;
                }
                writer.writeRow(row);
            }
        }
        objects.put(shard.resultKey(jobId), png.toByteArray(), "image/png");
        progress.addWork(jobId, shard.index(), shard.work(), null, Instant.now());
    }

    private static ObjectNode description(String batchJobId, String jobName, String status, int size) {
        ObjectNode d = JSON.createObjectNode()
                .put("JobId", batchJobId)
                .put("JobName", jobName)
                .put("JobQueue", AslSubstitutions.JOB_QUEUE)
                .put("JobDefinition", AslSubstitutions.JOB_DEFINITION)
                .put("Status", status);
        if (size > 0) {
            d.putObject("ArrayProperties").put("Size", size);
        }
        return d;
    }
}
