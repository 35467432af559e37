package io.dreamscape.infrastructure;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * Everything that runs, and nothing that holds data: the Lambdas ({@link LambdaTasks}), AWS Batch on GPU instances
 * ({@link GpuBatch}), the state machine and the rule that starts it ({@link DreamWorkflow}), the status API
 * ({@link StatusApi}). Redeploying or deleting this stack loses no job or image. The numbers a deployment is sized by
 * are stated here, where one page shows them all; the parts read them from here.
 *
 * <p>The parts are plain classes that build into this stack, not constructs of their own: every resource keeps this
 * stack as its scope, so logical ids (and cdk-nag's suppression paths) are those of the stack deployed before the
 * split, and a redeploy replaces nothing.
 */
public final class ComputeStack extends Stack {

    /** Image file names the upload rule starts a job for (the functions module sniffs the real format). */
    public static final List<String> IMAGE_SUFFIXES = List.of("jpg", "jpeg", "png", "tif", "tiff");
    public static final String HANDLER_PACKAGE = "io.dreamscape.handlers.";
    /** Per attempt of one shard: the plan keeps a shard's estimated GPU time well under this. */
    public static final Duration WORKER_ATTEMPT_TIMEOUT = Duration.hours(12);
    public static final int WORKER_ATTEMPTS = 3;
    /** How long a job may wait for GPU capacity (Spot, or the account's G-instance quota) before Batch cancels it. */
    public static final Duration RUNNABLE_CAPACITY_WAIT = Duration.hours(6);
    /** The worker's exit code for "S3 or DynamoDB unreachable" (see batch-container/Dockerfile). */
    public static final int WORKER_EXIT_RETRYABLE = 75;
    /** The worker's exit code after SIGTERM: it stopped at a step boundary and uploaded a checkpoint. */
    public static final int WORKER_EXIT_STOPPED = 143;
    /**
     * Explicit sizes, not families: "g5" alone lets Batch start a g5.48xlarge (8 GPUs, 192 vCPUs) for a one-GPU job.
     * Every size here has one GPU (A10G or L4, 24 GB) and fits the job's 4 vCPUs and 14 GiB; the 2xlarge sizes are the
     * fallback when Spot has no xlarge (one job per instance all the same: one GPU).
     */
    public static final List<String> WORKER_INSTANCE_TYPES = List.of("g5.xlarge", "g5.2xlarge", "g6.xlarge",
            "g6.2xlarge");
    /**
     * One image on all GPUs of one instance (the planner's choice when that meets its target, issue 11): 4 × A10G
     * (g5.12xlarge) or 4 × L4 (g6.12xlarge), 48 vCPUs and 192 GiB each. Their own compute environments and queue, so
     * one-GPU jobs never land on them (a queue takes at most three environments, and these cost more per GPU).
     */
    public static final List<String> MULTI_GPU_INSTANCE_TYPES = List.of("g5.12xlarge", "g6.12xlarge");
    public static final int MULTI_GPU_DEVICES = 4;
    /** All but a few vCPUs and GiB of the instance (the ECS agent and the OS keep the rest). */
    public static final int MULTI_GPU_VCPUS = 44;
    public static final int MULTI_GPU_MEMORY_MIB = 180_224;
    /** g6.12xlarge on demand, like PLAN_GPU_DOLLARS_PER_HOUR's g6.xlarge (an upper bound when Spot is available). */
    public static final String PLAN_MULTI_GPU_DOLLARS_PER_HOUR = "4.602";
    /** Tag the state machine puts on every Batch job it submits; TerminateJob is allowed on jobs carrying it. */
    public static final String JOB_QUEUE_TAG = "dreamscape:queue";
    /** The GPU smoke test's job: one try, and a hung driver must not hold an instance for long. */
    public static final Duration DOCTOR_TIMEOUT = Duration.minutes(15);
    public static final int WORKER_VCPUS = 4;
    /** SIGTERM to SIGKILL: the worker's checkpoint grace (100 s) plus a margin, within Spot's 120 s notice. */
    public static final int WORKER_STOP_TIMEOUT_SECONDS = 110;
    /** g5.xlarge and g6.xlarge have 16 GiB; the ECS agent and the OS keep about 1 GiB of it. */
    public static final int WORKER_MEMORY_MIB = 14_336;
    /**
     * Two full vCPUs (Lambda gives one per 1769 MB): stitching is one thread (inflate the shard PNGs, blend, encode the
     * JPEG), so a second vCPU keeps the JIT, the GC and the SDK's transfers off its core; more would sit idle.
     * Measured (docs/benchmarks.md): 0.28 s/MP of stitching plus the Deep Zoom pyramid on one EPYC core, heap peak
     * ~150 MB at any size; with the shard downloads and tile uploads that is what sets MAX_PIXELS below.
     */
    public static final int ASSEMBLE_MEMORY_MB = 3538;
    /**
     * The largest image the service accepts (Validate's MAX_PIXELS). 500 MP, not the engine's 1 GP: with the Deep Zoom
     * pyramid written during assembly, stitching takes 0.28 s/MP on one core here (docs/benchmarks.md), so 1 GP would
     * need ~7 min of a Graviton core plus ~6 GB of shard transfers and ~20 000 tile uploads: too close to Lambda's
     * 15 minutes. 500 MP leaves about 2× margin. Local mode and `dreamscape dream` keep the 1 GP default.
     */
    public static final long MAX_PIXELS = 500_000_000L;
    public static final String PLAN_GPU_DOLLARS_PER_HOUR = "0.805";
    public static final String PLAN_SHARD_OVERHEAD_SECONDS = "300";
    /** Two grid rows of 16-bit shards plus the outputs: ~1.5 GB at MAX_PIXELS; Lambda's maximum leaves room. */
    public static final int ASSEMBLE_SCRATCH_MIB = 10_240;
    public static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;

    /** What can be set with {@code cdk deploy -c name=value}. */
    public record Settings(int maxSpotVcpus, int maxOnDemandVcpus, int maxMultiGpuVcpus) {
        /** Per multi-GPU compute environment: one 48-vCPU instance at a time unless raised. */
        public static final int DEFAULT_MAX_MULTI_GPU_VCPUS = 48;

        public Settings(int maxSpotVcpus, int maxOnDemandVcpus) {
            this(maxSpotVcpus, maxOnDemandVcpus, DEFAULT_MAX_MULTI_GPU_VCPUS);
        }

        public static Settings from(Construct scope) {
            return new Settings(intContext(scope, "dreamscape:maxSpotVcpus", 64),
                    intContext(scope, "dreamscape:maxOnDemandVcpus", 16),
                    intContext(scope, "dreamscape:maxMultiGpuVcpus", DEFAULT_MAX_MULTI_GPU_VCPUS));
        }

        private static int intContext(Construct scope, String key, int fallback) {
            // cdk.json gives numbers (doubles through jsii), `-c key=value` gives strings.
            Object value = scope.getNode().tryGetContext(key);
            if (value == null) {
                return fallback;
            }
            int n = value instanceof Number number ? number.intValue() : Integer.parseInt(value.toString().trim());
            if (n < 0) {
                throw new IllegalArgumentException(key + " must be 0 or more, not " + value);
            }
            return n;
        }
    }

    public ComputeStack(Construct scope, String id, StackProps props, StatefulStack data, Artifacts artifacts,
            Settings settings) {
        super(scope, id, props);
        BucketAccess bucket = new BucketAccess(data.getBucket());
        LambdaTasks lambdas = LambdaTasks.create(this, bucket, data.getTable(), artifacts);
        GpuBatch batch = GpuBatch.create(this, bucket, data.getTable(), artifacts, settings);
        DreamWorkflow workflow = DreamWorkflow.create(this, lambdas, batch, bucket.bucket(), artifacts);
        StatusApi api = StatusApi.create(this, lambdas.statusLive());
        suppressInherentFindings();

        CfnOutput.Builder.create(this, "StatusUrl")
                .description("Status page; GET /jobs/{jobId} for one job")
                .value(api.endpoint() + "/")
                .build();
        CfnOutput.Builder.create(this, "StatusTokenSecretArn")
                .description("Bearer token for GET /jobs (list): aws secretsmanager get-secret-value --secret-id <this>")
                .value(lambdas.statusToken().getSecretArn())
                .build();
        CfnOutput.Builder.create(this, "StateMachineArn").value(workflow.machine().getStateMachineArn()).build();
        CfnOutput.Builder.create(this, "JobQueueName").value(batch.queue().getJobQueueName()).build();
        CfnOutput.Builder.create(this, "DoctorJobDefinitionArn")
                .description("GPU smoke test: aws batch submit-job --job-name dreamscape-doctor --job-queue "
                        + "<JobQueueName> --job-definition <this> (infrastructure/README.md)")
                .value(batch.doctor().getJobDefinitionArn())
                .build();
    }

    /** A log group of this stack's: kept {@link #LOG_RETENTION}, deleted with the stack (logs hold no job). */
    static LogGroup logGroup(Stack stack, String id) {
        return LogGroup.Builder.create(stack, id)
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
    }

    static NagPackSuppression nag(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }

    /** Findings that follow from the design, each with its reason; anything else fails the synth and the tests. */
    private void suppressInherentFindings() {
        NagSuppressions.addStackSuppressions(this, List.of(
                NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("Object access is granted per key prefix (uploads/, jobs/, outputs/, models/, guides/, masks/, and "
                                + "jobs/*/live/ and jobs/*/plan.json for the status API's live previews): the narrowest scope for keys that "
                                + "are only known at run time.")
                        .appliesTo(List.of(RegexAppliesTo.builder()
                                .regex("/^Resource::.*\\/((uploads|jobs|outputs|models|guides|masks|jobs\\/\\*\\/live)\\/\\*|jobs\\/\\*\\/plan\\.json)$/").build()))
                        .build(),
                NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("Listing recent jobs queries the table's index; CDK grants table actions on the "
                                + "table and its indexes (<table>/index/*).")
                        .appliesTo(List.of(RegexAppliesTo.builder()
                                .regex("/^Resource::.*\\/index\\/\\*$/").build()))
                        .build(),
                nag("AwsSolutions-L1", "The functions jar targets Java 21 (the project's release level); moving the "
                        + "runtime is a decision for the whole code base, not for the stack.")));
        GpuBatch.suppressInherentFindings(this);
    }
}
