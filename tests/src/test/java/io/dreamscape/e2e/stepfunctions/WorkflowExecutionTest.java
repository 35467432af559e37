package io.dreamscape.e2e.stepfunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.dreamscape.testing.Loopback;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real {@code statemachine/dreamscape.asl.json}, executed by aws-local-stepfunctions: its Lambda tasks call the
 * real Java handlers through a loopback Lambda endpoint, against s3proxy (S3) and dynalite (DynamoDB); its Batch tasks
 * run {@link WorkerStandIn} (what the GPU worker leaves behind: one shard result per array child, progress added).
 * Each test gets its own bucket and table. The rejected and duplicate scenarios come from {@link WorkflowScenarios}.
 */
class WorkflowExecutionTest extends WorkflowScenarios {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path repo;
    private static LambdaEndpoint endpoint;
    private static LocalStepFunctions stepFunctions;

    private String bucket;
    private S3Client s3;
    private ObjectStore objects;
    private ProgressStore progress;
    private WorkerStandIn worker;
    private Map<String, String> awsEnv;
    private final List<LocalStepFunctions.Execution> lastRuns = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        LocalStepFunctions.quietLogback();
        // The handlers' clients use the default credentials chain, as in Lambda: here, system properties.
        System.setProperty("aws.accessKeyId", Loopback.ACCESS);
        System.setProperty("aws.secretAccessKey", Loopback.SECRET);
        repo = Loopback.repoRoot();
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
        Loopback servers = Loopback.get();
        bucket = "dreamscape-" + UUID.randomUUID().toString().substring(0, 8);
        String table = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = Map.of(
                "BUCKET", bucket,
                "TABLE", table,
                "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_S3", servers.s3Endpoint.toString(),
                "AWS_ENDPOINT_URL_DYNAMODB", servers.dynamoEndpoint.toString(),
                // a small image still gets several shards (an array job), with a thin halo
                "GPU_WORK_UNITS_PER_SECOND", "20000",
                "TARGET_SHARD_SECONDS", "2",
                "MAX_SHARDS", "4",
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
        MarkFailedHandler markFailed = new MarkFailedHandler(new FailService(progress, objects, clock));
        endpoint.reset();
        endpoint.register("Validate", in -> JSON.valueToTree(validate.handleRequest(map(in), null)));
        endpoint.register("Plan", in -> JSON.valueToTree(plan.handleRequest(map(in), null)));
        endpoint.register("Assemble", in -> JSON.valueToTree(assemble.handleRequest(map(in), null)));
        endpoint.register("MarkFailed", in -> JSON.valueToTree(markFailed.handleRequest(map(in), null)));
        worker = new WorkerStandIn(objects, progress);
        endpoint.batch(worker);
        awsEnv = env;
    }

    @Test
    void goodUploadSucceedsWithAnOutputAndACompletedRecord() throws Exception {
        JsonNode event = upload("uploads/eagle.jpg", Uploads.jpeg(320, 200));

        LocalStepFunctions.Execution run = run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertEquals(List.of("Validate", "DuplicateOrRejected", "Plan", "BaseOrShards", "DreamBase", "SingleOrArray",
                "DreamShards", "Assemble", "Done"), run.statesEntered());
        String jobId = run.output().path("jobId").asText();
        assertEquals("COMPLETED", run.output().path("state").asText());
        String outputKey = "outputs/eagle.jpg-" + jobId.substring(0, 12) + "/eagle.dream.jpg";
        assertEquals(outputKey, run.output().path("outputKey").asText());
        BufferedImage output = ImageIO.read(objects.open(outputKey));
        assertEquals(320, output.getWidth());
        assertEquals(200, output.getHeight());
        Job job = progress.get(io.dreamscape.job.JobId.of(jobId)).orElseThrow();
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals(outputKey, job.outputKey());
        assertEquals(job.totalWork(), job.workDone(), "progress ends at exactly 100 %");

        JsonNode submitted = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamShards"))
                .findFirst().orElseThrow().payload();
        int shards = submitted.path("ArrayProperties").path("Size").asInt();
        assertTrue(shards >= 2, "an array job: " + submitted);
        assertEquals("dream-" + jobId, submitted.path("JobName").asText());
        assertEquals(jobId, submitted.path("ContainerOverrides").path("Environment").get(0).path("Value").asText());
        assertEquals(AslSubstitutions.JOB_QUEUE, submitted.path("JobQueue").asText());
        assertEquals(shards, worker.childrenRun());

        // The split dream's base ran first, as a plain job told its index, and its detail is where the shards read it.
        JsonNode base = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamBase"))
                .findFirst().orElseThrow().payload();
        assertFalse(base.has("ArrayProperties"), "the base is one job: " + base);
        assertEquals("dream-base-" + jobId, base.path("JobName").asText());
        assertEquals(Integer.toString(shards), WorkerStandIn.environment(base, "SHARD_INDEX"),
                "the base's worker index is one past the last shard");
        assertEquals(1, worker.baseRuns());
        assertTrue(objects.head(io.dreamscape.job.StorageLayout.baseDetailKey(job.jobId())).isPresent());
        io.dreamscape.job.Plan plan = io.dreamscape.job.Plan.fromJson(
                objects.getBytes(io.dreamscape.job.StorageLayout.planKey(job.jobId())));
        assertEquals(2, plan.version());
        assertTrue(plan.baseWork() > 0 && plan.totalWork() == plan.baseWork()
                + plan.shards().stream().mapToLong(io.dreamscape.job.Shard::work).sum(), "the base's work is counted");
    }

    @Test
    void baseFailureIsRetriedOnceAndTheShardsWaitForIt() throws Exception {
        worker.failBaseAttempts(1, 143, "Host EC2 (instance i-0abc) terminated: Spot interruption");
        JsonNode event = upload("uploads/retry.jpg", Uploads.jpeg(320, 200));

        LocalStepFunctions.Execution run = run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertEquals(1, run.count("StateRetried", "DreamBase"));
        assertEquals(2, endpoint.count("batch:DreamBase"),
                "submitted, then resubmitted once (the worker resumes from the base's checkpoint)");
        List<String> states = run.statesEntered();
        assertTrue(states.indexOf("DreamBase") < states.indexOf("DreamShards"), states.toString());
        assertEquals(1, worker.baseRuns());
        Job job = progress.get(io.dreamscape.job.JobId.of(run.output().path("jobId").asText())).orElseThrow();
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals(job.totalWork(), job.workDone(), "progress ends at exactly 100 %");
    }

    @Test
    void baseThatFailsTwiceFailsTheJobWithItsCauseAndNoShardRuns() throws Exception {
        worker.failBaseAttempts(2, 137, "OutOfMemoryError: Container killed due to memory usage");
        JsonNode event = upload("uploads/basecrash.jpg", Uploads.jpeg(320, 200));

        LocalStepFunctions.Execution run = run(event);

        assertEquals("FAILED", run.status());
        assertEquals("States.TaskFailed", run.error());
        assertEquals(2, endpoint.count("batch:DreamBase"));
        assertEquals(0, endpoint.count("batch:DreamShards"),
                "no shard starts without its base");
        assertTrue(run.statesEntered().contains("MarkFailed"));
        Job job = progress.list("uploads/basecrash.jpg", 10, null).jobs().get(0);
        assertEquals(JobState.FAILED, job.state());
        assertTrue(job.error().contains("137") || job.error().contains("OutOfMemoryError"),
                "the reason says what happened: " + job.error());
        assertEquals(0, endpoint.count("Assemble"));
    }

    @Test
    void goodUploadWithTheRealWorkerOnTheCpu() throws Exception {
        // The worker's tiny fixture model (batch-container test resources), two octaves of two steps: seconds on a CPU.
        Path models = repo.resolve("batch-container/src/test/resources/fixtures");
        endpoint.batch(new RealWorker(objects, awsEnv, models, repo.resolve("tests/target/stepfunctions/worker")));
        // The model is in the bucket's models/ folder, as Validate checks before anything is planned.
        s3.putObject(b -> b.bucket(bucket).key("models/tiny_dict.pt"),
                software.amazon.awssdk.core.sync.RequestBody.fromFile(models.resolve("tiny_dict.pt")));
        String params = "{\"model\":\"tiny_dict.pt\",\"layers\":[\"conv2\"],\"octaves\":2,\"steps\":2,"
                + "\"tile\":64,\"jitter\":8,\"seed\":20261126}";
        s3.putObject(b -> b.bucket(bucket).key("uploads/real.png").metadata(Map.of("dreamscape", params)),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(Uploads.png(160, 96)));
        JsonNode event = Uploads.eventFor(s3, bucket, "uploads/real.png");

        LocalStepFunctions.Execution run = run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertTrue(run.statesEntered().contains("DreamShards"), "an array job: " + run.statesEntered());
        assertTrue(run.statesEntered().contains("DreamBase"), "the real worker dreamt the base: " + run.statesEntered());
        Job job = progress.get(io.dreamscape.job.JobId.of(run.output().path("jobId").asText())).orElseThrow();
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals(job.totalWork(), job.workDone(), "the worker's progress ends at exactly 100 %");
        BufferedImage output = ImageIO.read(objects.open(job.outputKey()));
        assertEquals(160, output.getWidth());
        assertEquals(96, output.getHeight());
    }

    @Test
    void singleShardImageRunsAPlainBatchJob() throws Exception {
        // One octave of one step: the work (the network's windows, at least 64 px a side plus jitter, even for a
        // 48×40 image) stays under one shard's target at this test's GPU speed, so the plan has one shard.
        s3.putObject(b -> b.bucket(bucket).key("uploads/tiny.png").metadata(Map.of("dreamscape", "{\"octaves\":1,\"steps\":1}")),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(Uploads.png(48, 40)));
        JsonNode event = Uploads.eventFor(s3, bucket, "uploads/tiny.png");

        LocalStepFunctions.Execution run = run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertTrue(run.statesEntered().contains("DreamSingle"), run.statesEntered().toString());
        assertFalse(run.statesEntered().contains("DreamBase"), "one shard pays for no base: " + run.statesEntered());
        JsonNode submitted = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamSingle"))
                .findFirst().orElseThrow().payload();
        assertFalse(submitted.has("ArrayProperties"), "Batch refuses array jobs of size 1");
    }

    @Test
    void aPlanOnSeveralGpusRunsOnePlainJobOnTheMultiGpuQueueAndDefinition() throws Exception {
        // The deployment's Plan Lambda knows the multi-GPU instance (MULTI_GPU_DEVICES): this image, split in shards
        // above (goodUpload…), fits the target on 64 GPUs at 0.85, so the plan is one shard on all of them.
        Map<String, String> env = new java.util.HashMap<>(awsEnv);
        env.put("MULTI_GPU_DEVICES", "64");
        PlanHandler plan = new PlanHandler(new PlanService(objects, progress,
                new Planner(PlannerConfig.fromEnv(env)), Clock.systemUTC()));
        endpoint.register("Plan", in -> JSON.valueToTree(plan.handleRequest(map(in), null)));
        JsonNode event = upload("uploads/eagle.jpg", Uploads.jpeg(320, 200));

        LocalStepFunctions.Execution run = run(event);

        assertEquals("SUCCEEDED", run.status(), () -> "failed: " + run.error() + " " + run.cause());
        assertEquals(List.of("Validate", "DuplicateOrRejected", "Plan", "BaseOrShards", "SingleOrArray", "DreamMultiGpu",
                "Assemble", "Done"), run.statesEntered(), "one shard on several GPUs: no base job");
        JsonNode submitted = endpoint.invocations().stream().filter(i -> i.function().equals("batch:DreamMultiGpu"))
                .findFirst().orElseThrow().payload();
        assertEquals(AslSubstitutions.MULTI_GPU_JOB_QUEUE, submitted.path("JobQueue").asText());
        assertEquals(AslSubstitutions.MULTI_GPU_JOB_DEFINITION, submitted.path("JobDefinition").asText());
        assertEquals(AslSubstitutions.JOB_QUEUE, submitted.path("Tags").path("dreamscape:queue").asText(),
                "tagged like every job of the stack, so stopping the execution may terminate it");
        assertFalse(submitted.has("ArrayProperties"), "one job");
        String jobId = run.output().path("jobId").asText();
        assertEquals(jobId, submitted.path("ContainerOverrides").path("Environment").get(0).path("Value").asText());
        Job job = progress.get(io.dreamscape.job.JobId.of(jobId)).orElseThrow();
        assertEquals(JobState.COMPLETED, job.state());
        assertEquals(job.totalWork(), job.workDone());
        try (var in = objects.open(io.dreamscape.job.StorageLayout.planKey(io.dreamscape.job.JobId.of(jobId)))) {
            assertEquals(64, io.dreamscape.job.Plan.fromJson(in.readAllBytes()).devices());
        }
    }

    @Override
    protected JsonNode upload(String key, byte[] bytes) {
        return Uploads.put(s3, bucket, key, bytes);
    }

    /** Runs the state machine on {@code event} to its end, and keeps the run for the checks after it. */
    private LocalStepFunctions.Execution run(JsonNode event) throws Exception {
        LocalStepFunctions.Execution run = stepFunctions.run(event);
        lastRuns.add(run);
        return run;
    }

    @Override
    protected Outcome execute(JsonNode event) throws Exception {
        LocalStepFunctions.Execution run = run(event);
        return new Outcome(run.status(), run.error(), run.cause(), run.output());
    }

    @Override
    protected ProgressStore progress() {
        return progress;
    }

    @Override
    protected void afterRejection(Outcome outcome) {
        assertEquals(0, endpoint.count("Plan"), "nothing is planned for a rejected upload");
        assertEquals(List.of("Validate", "DuplicateOrRejected", "UploadRejected"), lastRuns.get(0).statesEntered());
    }

    @Override
    protected void afterDuplicate(Outcome first, Outcome second) {
        assertEquals("SUCCEEDED", first.status(), () -> first.error() + " " + first.cause());
        assertEquals(List.of("Validate", "DuplicateOrRejected", "AlreadyRunning"), lastRuns.get(1).statesEntered());
        assertEquals(first.output().path("jobId").asText(), second.output().path("jobId").asText());
        assertEquals(1, endpoint.count("Plan"));
        assertEquals(1, endpoint.invocations().stream().filter(i -> i.function().startsWith("batch:")
                && !i.function().equals("batch:DreamBase")).count(), "one dream");
        assertTrue(endpoint.count("batch:DreamBase") <= 1,
                "at most one base");
    }

    @Test
    void workerFailureIsRetriedOnceThenFailsWithTheCauseRecorded() throws Exception {
        worker.failEveryAttempt(137, "OutOfMemoryError: Container killed due to memory usage");
        JsonNode event = upload("uploads/crash.jpg", Uploads.jpeg(320, 200));

        LocalStepFunctions.Execution run = run(event);

        assertEquals("FAILED", run.status());
        assertEquals("States.TaskFailed", run.error());
        assertEquals(2, endpoint.count("batch:DreamShards"),
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

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }
}
