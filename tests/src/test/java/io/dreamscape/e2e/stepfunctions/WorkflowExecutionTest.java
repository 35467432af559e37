package io.dreamscape.e2e.stepfunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamscape.aws.AwsClients;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.handlers.AssembleHandler;
import io.dreamscape.handlers.MarkFailedHandler;
import io.dreamscape.handlers.PlanHandler;
import io.dreamscape.handlers.ValidateHandler;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobState;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.FailService;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.ValidateService;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The real {@code statemachine/dreamscape.asl.json}, executed by aws-local-stepfunctions: its Lambda tasks call the
 * real Java handlers through a loopback Lambda endpoint, against s3proxy (S3) and dynalite (DynamoDB); its Batch tasks
 * run {@link WorkerStandIn} (what the GPU worker leaves behind: one shard result per array child, progress added).
 * Each test gets its own bucket and table.
 */
class WorkflowExecutionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path repo;
    private static LambdaEndpoint endpoint;
    private static LocalStepFunctions stepFunctions;

    private String bucket;
    private S3Client s3;
    private ObjectStore objects;
    private ProgressStore progress;
    private WorkerStandIn worker;

    @BeforeAll
    static void start() throws IOException {
        LoopbackServers.quietLogback();
        // The handlers' clients use the default credentials chain, as in Lambda: here, system properties.
        System.setProperty("aws.accessKeyId", LoopbackServers.ACCESS);
        System.setProperty("aws.secretAccessKey", LoopbackServers.SECRET);
        repo = LoopbackServers.repoRoot();
        endpoint = new LambdaEndpoint();
        Path work = Files.createDirectories(repo.resolve("tests/target/stepfunctions"));
        Path definition = work.resolve("dreamscape.deployed.asl.json");
        Files.writeString(definition, AslSubstitutions.apply(
                Files.readString(repo.resolve("statemachine/dreamscape.asl.json"))));
        stepFunctions = new LocalStepFunctions(repo, definition, endpoint, work);
    }

    @AfterAll
    static void stop() {
        endpoint.close();
    }

    /** A fresh bucket and table, and the handlers wired to them as {@code Wiring} does in Lambda (from the env). */
    @BeforeEach
    void wire() {
        LoopbackServers servers = LoopbackServers.get();
        bucket = "dreamscape-" + UUID.randomUUID().toString().substring(0, 8);
        String table = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = Map.of(
                "BUCKET", bucket,
                "TABLE", table,
                "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_S3", servers.s3Endpoint.toString(),
                "AWS_ENDPOINT_URL_DYNAMODB", servers.dynamoEndpoint.toString(),
                // a small image still gets several shards (an array job), with a thin halo
                "GPU_WORK_UNITS_PER_SECOND", "200000",
                "TARGET_SHARD_SECONDS", "2",
                "SHARD_OVERHEAD_SECONDS", "0",
                "HALO_PIXELS", "8");
        AwsClients aws = new AwsClients(env);
        s3 = aws.s3();
        s3.createBucket(b -> b.bucket(bucket));
        DynamoProgressStore.createTable(aws.dynamo(), table);
        objects = aws.objectStore();
        progress = aws.progressStore();
        Clock clock = Clock.systemUTC();
        ValidateHandler validate = new ValidateHandler(new ValidateService(objects, progress, Limits.fromEnv(env), clock));
        PlanHandler plan = new PlanHandler(new PlanService(objects, progress,
                new Planner(PlannerConfig.fromEnv(env)), clock));
        AssembleHandler assemble = new AssembleHandler(new AssembleService(objects, progress,
                repo.resolve("tests/target/stepfunctions/scratch")));
        MarkFailedHandler markFailed = new MarkFailedHandler(new FailService(progress, clock));
        endpoint.reset();
        endpoint.register("Validate", in -> JSON.valueToTree(validate.handleRequest(map(in), null)));
        endpoint.register("Plan", in -> JSON.valueToTree(plan.handleRequest(map(in), null)));
        endpoint.register("Assemble", in -> JSON.valueToTree(assemble.handleRequest(map(in), null)));
        endpoint.register("MarkFailed", in -> JSON.valueToTree(markFailed.handleRequest(map(in), null)));
        worker = new WorkerStandIn(objects, progress);
        endpoint.batch(worker);
    }

    @Test
    void goodUploadSucceedsWithAnOutputAndACompletedRecord() throws Exception {
        JsonNode event = upload("uploads/eagle.jpg", jpeg(320, 200));

        LocalStepFunctions.Execution run = stepFunctions.run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertEquals(List.of("Validate", "DuplicateOrRejected", "Plan", "SingleOrArray", "DreamShards", "Assemble",
                "Done"), run.statesEntered());
        String jobId = run.output().path("jobId").asText();
        assertEquals("COMPLETED", run.output().path("state").asText());
        assertEquals("outputs/eagle.dream.jpg", run.output().path("outputKey").asText());
        BufferedImage output = ImageIO.read(objects.open("outputs/eagle.dream.jpg"));
        assertEquals(320, output.getWidth());
        assertEquals(200, output.getHeight());
        Job job = progress.get(io.dreamscape.job.JobId.of(jobId)).orElseThrow();
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals("outputs/eagle.dream.jpg", job.outputKey());
        assertEquals(job.totalWork(), job.workDone(), "progress ends at exactly 100 %");

        JsonNode submitted = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamShards"))
                .findFirst().orElseThrow().payload();
        int shards = submitted.path("ArrayProperties").path("Size").asInt();
        assertTrue(shards >= 2, "an array job: " + submitted);
        assertEquals("dream-" + jobId, submitted.path("JobName").asText());
        assertEquals(jobId, submitted.path("ContainerOverrides").path("Environment").get(0).path("Value").asText());
        assertEquals(AslSubstitutions.JOB_QUEUE, submitted.path("JobQueue").asText());
        assertEquals(shards, worker.childrenRun());
    }

    @Test
    void singleShardImageRunsAPlainBatchJob() throws Exception {
        JsonNode event = upload("uploads/tiny.png", png(48, 40));

        LocalStepFunctions.Execution run = stepFunctions.run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertTrue(run.statesEntered().contains("DreamSingle"), run.statesEntered().toString());
        JsonNode submitted = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamSingle"))
                .findFirst().orElseThrow().payload();
        assertFalse(submitted.has("ArrayProperties"), "Batch refuses array jobs of size 1");
    }

    @Test
    void badUploadFailsWithTheReasonRecorded() throws Exception {
        JsonNode event = upload("uploads/notes.jpg", "these are my holiday notes, not a picture".getBytes(
                StandardCharsets.UTF_8));

        LocalStepFunctions.Execution run = stepFunctions.run(event);

        assertEquals("FAILED", run.status());
        assertEquals("UploadRejected", run.error());
        assertNotNull(run.cause());
        assertFalse(run.cause().isBlank());
        assertEquals(0, endpoint.count("Plan"), "nothing is planned for a rejected upload");
        List<Job> jobs = progress.list("uploads/notes.jpg", 10, null).jobs();
        assertEquals(1, jobs.size());
        assertEquals(JobState.FAILED, jobs.get(0).state());
        assertEquals(run.cause(), jobs.get(0).error(), "the execution and the record give the same reason");
    }

    @Test
    void duplicateEventStartsOneJob() throws Exception {
        JsonNode event = upload("uploads/twice.jpg", jpeg(160, 120));

        LocalStepFunctions.Execution first = stepFunctions.run(event);
        LocalStepFunctions.Execution second = stepFunctions.run(event);

        assertEquals("SUCCEEDED", first.status(), () -> first.error() + " " + first.cause());
        assertEquals("SUCCEEDED", second.status(), () -> second.error() + " " + second.cause());
        assertEquals(List.of("Validate", "DuplicateOrRejected", "AlreadyRunning"), second.statesEntered());
        assertTrue(second.output().path("duplicate").asBoolean());
        assertEquals(first.output().path("jobId").asText(), second.output().path("jobId").asText());
        assertEquals(1, endpoint.count("Plan"));
        assertEquals(1, endpoint.invocations().stream().filter(i -> i.function().startsWith("batch:")).count());
        assertEquals(1, progress.list("uploads/twice.jpg", 10, null).jobs().size());
    }

    @Test
    void workerFailureIsRetriedOnceThenFailsWithTheCauseRecorded() throws Exception {
        worker.failEveryAttempt(137, "OutOfMemoryError: Container killed due to memory usage");
        JsonNode event = upload("uploads/crash.jpg", jpeg(320, 200));

        LocalStepFunctions.Execution run = stepFunctions.run(event);

        assertEquals("FAILED", run.status());
        assertEquals("States.TaskFailed", run.error());
        assertEquals(2, endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamShards")).count(),
                "submitted, then resubmitted once");
        assertEquals(1, run.count("StateRetried", "DreamShards"));
        assertTrue(run.statesEntered().contains("MarkFailed"));
        assertTrue(run.cause().contains("OutOfMemoryError"), run.cause());
        List<Job> jobs = progress.list("uploads/crash.jpg", 10, null).jobs();
        assertEquals(1, jobs.size());
        Job job = jobs.get(0);
        assertEquals(JobState.FAILED, job.state());
        assertNotNull(job.error());
        assertTrue(job.error().contains("137") || job.error().contains("OutOfMemoryError"),
                "the reason says what happened: " + job.error());
        assertEquals(0, endpoint.count("Assemble"));
    }

    // ------------------------------------------------------------------------------------------- fixtures

    /** Puts the object and returns the EventBridge "Object Created" event S3 would send for it. */
    private JsonNode upload(String key, byte[] bytes) {
        PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        ObjectNode event = JSON.createObjectNode()
                .put("version", "0")
                .put("id", UUID.randomUUID().toString())
                .put("detail-type", "Object Created")
                .put("source", "aws.s3")
                .put("account", "123456789012")
                .put("time", Instant.now().toString())
                .put("region", "us-east-1");
        event.putArray("resources").add("arn:aws:s3:::" + bucket);
        ObjectNode detail = event.putObject("detail").put("version", "0");
        detail.putObject("bucket").put("name", bucket);
        detail.putObject("object")
                .put("key", key)
                .put("size", bytes.length)
                .put("etag", put.eTag().replace("\"", ""))
                .put("sequencer", "0062E99A88DC407460");
        detail.put("request-id", "N4N7GDK58NMKJ12R").put("requester", "123456789012").put("reason", "PutObject");
        return event;
    }

    private static byte[] jpeg(int w, int h) throws IOException {
        return encode(picture(w, h), "jpg");
    }

    private static byte[] png(int w, int h) throws IOException {
        return encode(picture(w, h), "png");
    }

    private static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x + y) * 7 & 0xff));
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }
}
