package io.dreamscape.infrastructure;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.IgnoreMode;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.batch.Action;
import software.amazon.awscdk.services.batch.AllocationStrategy;
import software.amazon.awscdk.services.batch.CustomReason;
import software.amazon.awscdk.services.batch.EcsEc2ContainerDefinition;
import software.amazon.awscdk.services.batch.EcsJobDefinition;
import software.amazon.awscdk.services.batch.EcsMachineImage;
import software.amazon.awscdk.services.batch.EcsMachineImageType;
import software.amazon.awscdk.services.batch.JobQueue;
import software.amazon.awscdk.services.batch.JobStateTimeLimitAction;
import software.amazon.awscdk.services.batch.JobStateTimeLimitActionsAction;
import software.amazon.awscdk.services.batch.JobStateTimeLimitActionsReason;
import software.amazon.awscdk.services.batch.JobStateTimeLimitActionsState;
import software.amazon.awscdk.services.batch.ManagedEc2EcsComputeEnvironment;
import software.amazon.awscdk.services.batch.OrderedComputeEnvironment;
import software.amazon.awscdk.services.batch.Reason;
import software.amazon.awscdk.services.batch.RetryStrategy;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.MultipartBody;
import software.amazon.awscdk.services.ec2.MultipartUserData;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SfnStateMachine;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;

/**
 * Everything that runs, and nothing that holds data: the Lambdas, the state machine and the rule that starts it, AWS
 * Batch on GPU instances, the status API. Redeploying or deleting this stack loses no job or image.
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

    private final IBucket bucket;
    private final ITable table;
    private final Artifacts artifacts;

    public ComputeStack(Construct scope, String id, StackProps props, StatefulStack data, Artifacts artifacts,
            Settings settings) {
        super(scope, id, props);
        this.bucket = data.getBucket();
        this.table = data.getTable();
        this.artifacts = artifacts;

        Functions functions = functions(settings);
        Batch batch = batch(settings);
        StateMachine workflow = workflow(functions, batch);
        uploadRule(workflow);
        HttpApi api = statusApi(functions.statusLive());
        suppressInherentFindings(data);

        CfnOutput.Builder.create(this, "StatusUrl")
                .description("Status page; GET /jobs/{jobId} for one job")
                .value(api.getApiEndpoint() + "/")
                .build();
        CfnOutput.Builder.create(this, "StatusTokenSecretArn")
                .description("Bearer token for GET /jobs (list): aws secretsmanager get-secret-value --secret-id <this>")
                .value(functions.statusToken().getSecretArn())
                .build();
        CfnOutput.Builder.create(this, "StateMachineArn").value(workflow.getStateMachineArn()).build();
        CfnOutput.Builder.create(this, "JobQueueName").value(batch.queue().getJobQueueName()).build();
        CfnOutput.Builder.create(this, "DoctorJobDefinitionArn")
                .description("GPU smoke test: aws batch submit-job --job-name dreamscape-doctor --job-queue "
                        + "<JobQueueName> --job-definition <this> (infrastructure/README.md)")
                .value(batch.doctor().getJobDefinitionArn())
                .build();
    }

    // ---------------------------------------------------------------------------------------------- Lambdas

    record Functions(Function validate, Function plan, Function assemble, Function markFailed, Function status,
            Alias statusLive, Secret statusToken) {
        List<Function> workflowTasks() {
            return List.of(validate, plan, assemble, markFailed);
        }
    }

    private Functions functions(Settings settings) {
        // Short, latency-bound handlers start faster with tiered compilation stopped at C1 (AWS's Java guidance);
        // Plan and Assemble compute, so they keep the full JIT.
        Map<String, String> quickStart = Map.of("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

        // The service's pixel ceiling, stated here because the Assemble function is sized for it (ASSEMBLE_MEMORY_MB).
        Map<String, String> validateEnv = new LinkedHashMap<>(quickStart);
        validateEnv.put("MAX_PIXELS", Long.toString(MAX_PIXELS));
        Function validate = lambda("Validate", "ValidateHandler", 1024, Duration.seconds(90), validateEnv);
        // models/: Validate checks that a custom model (models/NAME.pt) exists and reads its sidecar's layer names
        // (models/NAME.json) before any GPU starts (issue 12 item 5); without the grant the HEAD is a 403.
        readObjects(validate, "uploads/*", "models/*", "guides/*", "masks/*");
        table.grant(validate, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");

        // The plan's cost estimate, priced for this deployment: g6.xlarge on demand (an upper bound when Spot is
        // available) and a fresh instance's boot and image pull per shard.
        // MULTI_GPU_*: the planner may run one image on all GPUs of the multi-GPU job definition instead of shards.
        Function plan = lambda("Plan", "PlanHandler", 1024, Duration.minutes(5), Map.of(
                "GPU_DOLLARS_PER_HOUR", PLAN_GPU_DOLLARS_PER_HOUR,
                "SHARD_OVERHEAD_SECONDS", PLAN_SHARD_OVERHEAD_SECONDS,
                "MULTI_GPU_DEVICES", Integer.toString(MULTI_GPU_DEVICES),
                "MULTI_GPU_DOLLARS_PER_HOUR", PLAN_MULTI_GPU_DOLLARS_PER_HOUR));
        // jobs/*: Plan reads back a plan.json an earlier attempt wrote (idempotency); without GetObject the HEAD is a 403.
        readObjects(plan, "uploads/*", "jobs/*");
        writeObjects(plan, "jobs/*");
        table.grant(plan, "dynamodb:GetItem", "dynamodb:UpdateItem");

        // Assemble streams (heap flat in the pixel count): memory only buys CPU here, see ASSEMBLE_MEMORY_MB.
        Function assemble = lambda("Assemble", "AssembleHandler", ASSEMBLE_MEMORY_MB, Duration.minutes(15), Map.of());
        readObjects(assemble, "uploads/*", "jobs/*");
        writeObjects(assemble, "outputs/*");
        table.grant(assemble, "dynamodb:GetItem", "dynamodb:UpdateItem");

        Function markFailed = lambda("MarkFailed", "MarkFailedHandler", 512, Duration.seconds(45), quickStart);
        readObjects(markFailed, "uploads/*");
        table.grant(markFailed, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");

        // The list route (GET /jobs) needs this token as "Authorization: Bearer ..."; a single job's route is open to
        // whoever knows its unguessable id. Secrets Manager generates the token at deploy time; CloudFormation resolves
        // it into the function's environment, so it is never in the template or the repository.
        Secret token = Secret.Builder.create(this, "StatusToken")
                .description("Bearer token for the Dreamscape status API's job list (GET /jobs)")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(40)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        NagSuppressions.addResourceSuppressions(token, List.of(nag("AwsSolutions-SMG4",
                "A bearer token for a read-only job list, not a credential another system shares: rotate it by hand "
                        + "with `aws secretsmanager put-secret-value`; the status function reads it from Secrets "
                        + "Manager (cached 5 minutes), so no deploy is needed (infrastructure/README.md).")));
        // Only the secret's ARN goes into the environment: the function reads the value on first use and caches it,
        // so the token is in no template, no environment and no SnapStart snapshot.
        Map<String, String> statusEnv = new LinkedHashMap<>(quickStart);
        statusEnv.put("STATUS_TOKEN_SECRET_ARN", token.getSecretArn());
        Function status = lambda("Status", "StatusHandler", 1024, Duration.seconds(15), statusEnv);
        token.grantRead(status); // secretsmanager:GetSecretValue and DescribeSecret on this secret only
        table.grant(status, "dynamodb:GetItem", "dynamodb:Query"); // Query also on the recent-jobs index
        // Presigned URLs for outputs, previews and thumbnails are signed with this role's credentials.
        // jobs/*/live/*: the workers' live previews, which the status API HEADs and presigns while a job dreams.
        // jobs/*/plan.json: the shards' rectangles, for the multi-shard live mosaic (LiveMosaic).
        readObjects(status, "outputs/*", "jobs/*/live/*", "jobs/*/plan.json");
        // The status API is the only latency-bound function: SnapStart removes most of its cold start. It needs a
        // published version, so the API calls the "live" alias.
        Alias live = Alias.Builder.create(this, "StatusLive")
                .aliasName("live")
                .version(status.getCurrentVersion())
                .build();
        return new Functions(validate, plan, assemble, markFailed, status, live, token);
    }

    private Function lambda(String id, String handlerClass, int memoryMb, Duration timeout, Map<String, String> env) {
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        // Its own role, allowed to write its own log group and nothing else until the grants below.
        Role role = Role.Builder.create(this, id + "Role")
                .description("Dreamscape " + handlerClass)
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .build();
        logs.grantWrite(role);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("BUCKET", bucket.getBucketName());
        environment.put("TABLE", table.getTableName());
        environment.putAll(env);
        Function.Builder builder = Function.Builder.create(this, id)
                .description("Dreamscape " + handlerClass)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .code(Code.fromAsset(artifacts.functionsJar().toString()))
                .handler(HANDLER_PACKAGE + handlerClass + "::handleRequest")
                .memorySize(memoryMb)
                .timeout(timeout)
                .environment(environment)
                .role(role)
                .logGroup(logs);
        if (handlerClass.equals("StatusHandler")) {
            builder.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
        }
        if (handlerClass.equals("AssembleHandler")) {
            // Scratch (SCRATCH_DIR, default /tmp) holds about two grid rows of 16-bit shard PNGs plus the output JPEG.
            builder.ephemeralStorageSize(Size.mebibytes(ASSEMBLE_SCRATCH_MIB));
        }
        return builder.build();
    }

    /**
     * Read access under the key prefixes, plus s3:ListBucket on the bucket: without it S3 answers a HEAD or GET of a
     * missing key with 403 instead of 404, and the code asks "does it exist yet?" on purpose (Plan's idempotency,
     * Assemble's missing-shard check, the worker's checkpoints). A prefix condition cannot narrow it: HEAD requests
     * carry no s3:prefix. It reveals key names only, never contents.
     */
    private void readObjects(IGrantable grantee, String... prefixes) {
        objects(grantee, List.of("s3:GetObject", "s3:GetObjectVersion"), prefixes);
        grantee.getGrantPrincipal().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .build());
    }

    private void writeObjects(IGrantable grantee, String... prefixes) {
        objects(grantee, List.of("s3:PutObject", "s3:AbortMultipartUpload"), prefixes);
    }

    private void objects(IGrantable grantee, List<String> actions, String... prefixes) {
        List<String> resources = new ArrayList<>();
        for (String prefix : prefixes) {
            resources.add(bucket.arnForObjects(prefix));
        }
        grantee.getGrantPrincipal().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources)
                .build());
    }

    // ---------------------------------------------------------------------------------------------- AWS Batch

    record Batch(JobQueue queue, EcsJobDefinition worker, EcsJobDefinition doctor, JobQueue multiGpuQueue,
                 EcsJobDefinition multiGpuWorker) {
    }

    private Batch batch(Settings settings) {
        // Public subnets only: no NAT gateway (about 35 USD a month each, even when idle). Instances get a public IP
        // for ECR, ECS and CloudWatch; S3 and DynamoDB traffic stays on free gateway endpoints. Nothing listens.
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                .maxAzs(3)
                .natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder()
                        .name("Public")
                        .subnetType(SubnetType.PUBLIC)
                        .cidrMask(20)
                        .mapPublicIpOnLaunch(true)
                        .build()))
                .gatewayEndpoints(Map.of(
                        "S3", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build(),
                        "DynamoDb", GatewayVpcEndpointOptions.builder()
                                .service(GatewayVpcEndpointAwsService.DYNAMODB).build()))
                .build();
        NagSuppressions.addResourceSuppressions(vpc, List.of(nag("AwsSolutions-VPC7",
                "The VPC only hosts short-lived Batch GPU instances with no inbound rules; flow logs would cost more "
                        + "than the workload they describe.")));
        SecurityGroup noInbound = SecurityGroup.Builder.create(this, "WorkerSecurityGroup")
                .vpc(vpc)
                .description("Dreamscape GPU workers: outbound only")
                .allowAllOutbound(true)
                .build();
        // A Spot reclaim gives two minutes' notice: the ECS agent drains the instance and sends SIGTERM, and the worker
        // needs about 100 s (its --stop-grace) to write a checkpoint before SIGKILL; ECS's default is 30 s.
        UserData shell = UserData.forLinux();
        shell.addCommands(
                "echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config",
                "echo ECS_CONTAINER_STOP_TIMEOUT=" + WORKER_STOP_TIMEOUT_SECONDS + "s >> /etc/ecs/ecs.config");
        shell.addCommands(SpotNotice.userDataCommands().toArray(String[]::new));
        MultipartUserData userData = new MultipartUserData(); // Batch accepts only MIME multi-part user data
        userData.addUserDataPart(shell, MultipartBody.SHELL_SCRIPT, true);
        // The image (CUDA, libtorch) is large: a bigger encrypted root volume. IMDSv2 with a hop limit of 1: the
        // host reaches the instance metadata, containers (one hop further, on the Docker bridge) do not, so a job
        // running an uploaded TorchScript model cannot take the instance role's credentials. The worker's own
        // credentials come from the ECS agent's endpoint (the job role), which the hop limit does not touch.
        LaunchTemplate launchTemplate = LaunchTemplate.Builder.create(this, "WorkerLaunchTemplate")
                .userData(userData)
                .requireImdsv2(true)
                .httpPutResponseHopLimit(1)
                .blockDevices(List.of(BlockDevice.builder()
                        .deviceName("/dev/xvda")
                        .volume(BlockDeviceVolume.ebs(100, EbsDeviceOptions.builder()
                                .volumeType(EbsDeviceVolumeType.GP3)
                                .encrypted(true)
                                .deleteOnTermination(true)
                                .build()))
                        .build()))
                .build();

        ManagedEc2EcsComputeEnvironment spot = gpuEnvironment("GpuSpot", vpc, noInbound, launchTemplate, true,
                settings.maxSpotVcpus());
        ManagedEc2EcsComputeEnvironment onDemand = gpuEnvironment("GpuOnDemand", vpc, noInbound, launchTemplate,
                false, settings.maxOnDemandVcpus());
        // A job that can never start must not hold its execution for two days: Batch cancels it (the state machine
        // then resubmits once and records FAILED with the reason). Capacity gets hours to come back; a requirement no
        // instance or environment can meet is cancelled after Batch's minimum of 10 minutes.
        List<JobStateTimeLimitAction> giveUp = List.of(
                runnableTooLong(JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, RUNNABLE_CAPACITY_WAIT),
                runnableTooLong(JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, Duration.minutes(10)),
                runnableTooLong(JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, Duration.minutes(10)));
        JobQueue queue = JobQueue.Builder.create(this, "Queue")
                .priority(1)
                .jobStateTimeLimitActions(giveUp)
                .computeEnvironments(List.of(
                        OrderedComputeEnvironment.builder().computeEnvironment(spot).order(1).build(),
                        OrderedComputeEnvironment.builder().computeEnvironment(onDemand).order(2).build()))
                .build();

        DockerImageAsset image = DockerImageAsset.Builder.create(this, "WorkerImage")
                .directory(artifacts.repoRoot().toString())
                .file(Artifacts.DOCKERFILE)
                .exclude(Artifacts.DOCKER_EXCLUDES)
                .ignoreMode(IgnoreMode.DOCKER)
                .platform(Platform.LINUX_AMD64)
                .build();

        Role jobRole = Role.Builder.create(this, "WorkerRole")
                .description("Dreamscape GPU worker: reads its input and plan, writes shard results and checkpoints")
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .build();
        // models/: an upload may name a TorchScript model kept in the bucket's models/ folder (functions' parameter
        // check allows "name.pt" there); the worker reads it from S3.
        readObjects(jobRole, "uploads/*", "jobs/*", "models/*", "guides/*", "masks/*");
        objects(jobRole, List.of("s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"), "jobs/*");
        table.grant(jobRole, "dynamodb:GetItem", "dynamodb:UpdateItem");

        LogGroup workerLogs = LogGroup.Builder.create(this, "WorkerLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BUCKET", bucket.getBucketName());
        env.put("TABLE", table.getTableName());
        env.put("AWS_REGION", getRegion());
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        EcsJobDefinition worker = workerDefinition("Worker", image, 1, WORKER_VCPUS, WORKER_MEMORY_MIB, env, jobRole,
                workerLogs);

        // The GPU smoke test (`dreamscape doctor`), run once by hand after a deploy (infrastructure/README.md): the
        // same image and resources as a worker, the built-in GoogLeNet baked into the image, --device gpu so that an
        // instance without a usable GPU fails instead of quietly testing the CPU. It touches no bucket or table, so it
        // has no job role.
        EcsJobDefinition doctor = EcsJobDefinition.Builder.create(this, "Doctor")
                .container(EcsEc2ContainerDefinition.Builder.create(this, "DoctorContainer")
                        .image(ContainerImage.fromDockerImageAsset(image))
                        .command(List.of("doctor", "--device", "gpu"))
                        .gpu(1)
                        .cpu(WORKER_VCPUS)
                        .memory(Size.mebibytes(WORKER_MEMORY_MIB))
                        .environment(Map.of("OMP_WAIT_POLICY", "PASSIVE"))
                        .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                                .logGroup(workerLogs)
                                .streamPrefix("doctor")
                                .build()))
                        .build())
                .retryAttempts(1)
                .timeout(DOCTOR_TIMEOUT)
                .build();

        // One image on all GPUs of a multi-GPU instance: the worker uses every GPU it sees (DeviceCount), and this
        // definition makes ECS give it all of them. Same image, role, logs, retries and timeout as the worker.
        ManagedEc2EcsComputeEnvironment multiSpot = gpuEnvironment("MultiGpuSpot", vpc, noInbound, launchTemplate, true,
                settings.maxMultiGpuVcpus(), MULTI_GPU_INSTANCE_TYPES);
        ManagedEc2EcsComputeEnvironment multiOnDemand = gpuEnvironment("MultiGpuOnDemand", vpc, noInbound,
                launchTemplate, false, settings.maxMultiGpuVcpus(), MULTI_GPU_INSTANCE_TYPES);
        JobQueue multiGpuQueue = JobQueue.Builder.create(this, "MultiGpuQueue")
                .priority(1)
                .jobStateTimeLimitActions(giveUp)
                .computeEnvironments(List.of(
                        OrderedComputeEnvironment.builder().computeEnvironment(multiSpot).order(1).build(),
                        OrderedComputeEnvironment.builder().computeEnvironment(multiOnDemand).order(2).build()))
                .build();
        EcsJobDefinition multiGpuWorker = workerDefinition("MultiGpuWorker", image, MULTI_GPU_DEVICES, MULTI_GPU_VCPUS,
                MULTI_GPU_MEMORY_MIB, env, jobRole, workerLogs);
        return new Batch(queue, worker, doctor, multiGpuQueue, multiGpuWorker);
    }

    /**
     * Batch allows five rules; the first that matches wins and an attempt no rule matches is retried, hence the final
     * EXIT. Retried: a lost host ("Host EC2 (instance …) terminated": a Spot reclaim can arrive this way, since ECS
     * draining does not stop Batch's standalone tasks); a task that never started ("Task failed to start", whose
     * container reason is CannotPullContainerError, CannotStartContainerError or ResourceInitializationError: Batch
     * reports all three under this status reason); the worker's 143 (SIGTERM: it stopped at a step boundary and
     * uploaded a checkpoint, so the next attempt resumes there); its 75 (S3 or DynamoDB unreachable). Anything else
     * is the worker's own verdict (1 failed for good, 2 configuration, 3 out of heap, 4 job no longer running) and a
     * retry would fail the same way. Cancelled or terminated jobs are never retried, whatever the rules say.
     */
    static List<RetryStrategy> workerRetryRules() {
        return List.of(
                RetryStrategy.of(Action.RETRY, Reason.SPOT_INSTANCE_RECLAIMED),
                RetryStrategy.of(Action.RETRY, Reason.custom(CustomReason.builder()
                        .onStatusReason("Task failed to start*").build())),
                RetryStrategy.of(Action.RETRY, Reason.custom(CustomReason.builder()
                        .onExitCode(String.valueOf(WORKER_EXIT_STOPPED)).build())),
                RetryStrategy.of(Action.RETRY, Reason.custom(CustomReason.builder()
                        .onExitCode(String.valueOf(WORKER_EXIT_RETRYABLE)).build())),
                RetryStrategy.of(Action.EXIT, Reason.custom(CustomReason.builder()
                        .onStatusReason("*").build())));
    }

    private static JobStateTimeLimitAction runnableTooLong(JobStateTimeLimitActionsReason reason, Duration after) {
        return JobStateTimeLimitAction.builder()
                .state(JobStateTimeLimitActionsState.RUNNABLE)
                .reason(reason)
                .maxTime(after)
                .action(JobStateTimeLimitActionsAction.CANCEL)
                .build();
    }

    /**
     * A worker's job definition ({@code id}, container {@code id + "Container"}: logical ids kept from before the
     * multi-GPU definition shared this code): the worker image asking ECS for {@code gpus} GPUs, with the workers'
     * role, logs, retry rules and timeout.
     */
    private EcsJobDefinition workerDefinition(String id, DockerImageAsset image, int gpus, int vcpus, int memoryMib,
                                              Map<String, String> env, Role jobRole, LogGroup logs) {
        return EcsJobDefinition.Builder.create(this, id)
                .container(EcsEc2ContainerDefinition.Builder.create(this, id + "Container")
                        .image(ContainerImage.fromDockerImageAsset(image))
                        .command(List.of("worker"))
                        .gpu(gpus)
                        .cpu(vcpus)
                        .memory(Size.mebibytes(memoryMib))
                        .environment(env)
                        .jobRole(jobRole)
                        .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                                .logGroup(logs)
                                .streamPrefix("worker")
                                .build()))
                        .build())
                .retryAttempts(WORKER_ATTEMPTS)
                .retryStrategies(workerRetryRules())
                .timeout(WORKER_ATTEMPT_TIMEOUT)
                .propagateTags(true)
                .build();
    }

    private ManagedEc2EcsComputeEnvironment gpuEnvironment(String id, Vpc vpc, SecurityGroup securityGroup,
            LaunchTemplate launchTemplate, boolean spot, int maxVcpus) {
        return gpuEnvironment(id, vpc, securityGroup, launchTemplate, spot, maxVcpus, WORKER_INSTANCE_TYPES);
    }

    private ManagedEc2EcsComputeEnvironment gpuEnvironment(String id, Vpc vpc, SecurityGroup securityGroup,
            LaunchTemplate launchTemplate, boolean spot, int maxVcpus, List<String> instanceTypes) {
        ManagedEc2EcsComputeEnvironment.Builder builder = ManagedEc2EcsComputeEnvironment.Builder.create(this, id)
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PUBLIC).build())
                .securityGroups(List.of(securityGroup))
                .launchTemplate(launchTemplate)
                // NVIDIA A10G (g5) and L4 (g6): 24 GB of GPU memory, the cheapest current GPUs Batch offers; explicit
                // one-GPU sizes (WORKER_INSTANCE_TYPES).
                .instanceTypes(instanceTypes.stream().map(InstanceType::new).toList())
                .useOptimalInstanceClasses(false)
                .images(List.of(EcsMachineImage.builder().imageType(EcsMachineImageType.ECS_AL2023_NVIDIA).build()))
                .minvCpus(0) // scales to zero: nothing runs while nobody renders
                .maxvCpus(maxVcpus)
                .updateToLatestImageVersion(true)
                .spot(spot)
                .allocationStrategy(spot ? AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
                        : AllocationStrategy.BEST_FIT_PROGRESSIVE);
        return builder.build();
    }

    // ---------------------------------------------------------------------------------------------- workflow

    private StateMachine workflow(Functions functions, Batch batch) {
        LogGroup logs = LogGroup.Builder.create(this, "WorkflowLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put("ValidateFunctionArn", functions.validate().getFunctionArn());
        substitutions.put("PlanFunctionArn", functions.plan().getFunctionArn());
        substitutions.put("AssembleFunctionArn", functions.assemble().getFunctionArn());
        substitutions.put("MarkFailedFunctionArn", functions.markFailed().getFunctionArn());
        substitutions.put("JobQueueArn", batch.queue().getJobQueueArn());
        substitutions.put("JobDefinitionArn", batch.worker().getJobDefinitionArn());
        substitutions.put("MultiGpuJobQueueArn", batch.multiGpuQueue().getJobQueueArn());
        substitutions.put("MultiGpuJobDefinitionArn", batch.multiGpuWorker().getJobDefinitionArn());
        StateMachine machine = StateMachine.Builder.create(this, "Workflow")
                .stateMachineType(StateMachineType.STANDARD)
                // fromString, not fromFile: the states stay in the template where tests and reviewers can read them.
                .definitionBody(DefinitionBody.fromString(artifacts.stateMachineDefinition()))
                .definitionSubstitutions(substitutions)
                .logs(LogOptions.builder().destination(logs).level(LogLevel.ALL).includeExecutionData(true).build())
                .build();

        // The definition is a string, so CDK cannot infer the grants: each is given by hand, scoped.
        for (IFunction fn : functions.workflowTasks()) {
            fn.grantInvoke(machine);
        }
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("SubmitDreamJobs")
                .actions(List.of("batch:SubmitJob"))
                .resources(List.of(batch.queue().getJobQueueArn(), batch.worker().getJobDefinitionArn(),
                        batch.multiGpuQueue().getJobQueueArn(), batch.multiGpuWorker().getJobDefinitionArn()))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("FollowDreamJobs")
                .actions(List.of("batch:DescribeJobs"))
                .resources(List.of("*")) // DescribeJobs has no resource-level permissions
                .build());
        // A stopped execution terminates its Batch job (.sync). Job ARNs carry only a random id, so "this queue's
        // jobs" is expressed by a tag: the definition submits every job with dreamscape:queue = this queue's ARN
        // (tagging on submit needs batch:TagResource, allowed for exactly that tag), and TerminateJob is allowed on
        // jobs that carry it, nowhere else.
        String jobs = formatArn(ArnComponents.builder().service("batch").resource("job").resourceName("*").build());
        String queueArn = batch.queue().getJobQueueArn();
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("TagDreamJobsOnSubmit")
                .actions(List.of("batch:TagResource"))
                .resources(List.of(jobs))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:RequestTag/" + JOB_QUEUE_TAG, queueArn),
                        "ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(JOB_QUEUE_TAG))))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("StopOwnDreamJobs")
                .actions(List.of("batch:TerminateJob"))
                .resources(List.of(jobs))
                .conditions(Map.of("StringEquals", Map.of("aws:ResourceTag/" + JOB_QUEUE_TAG, queueArn)))
                .build());
        machine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("BatchSyncEventRule")
                .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
                .resources(List.of(formatArn(ArnComponents.builder()
                        .service("events")
                        .resource("rule")
                        .resourceName("StepFunctionsGetEventsForBatchJobsRule")
                        .build())))
                .build());
        NagSuppressions.addResourceSuppressions(machine, List.of(
                nag("AwsSolutions-SF2", "X-Ray adds cost per trace for a workflow of five steps whose every "
                        + "transition is already in the execution history and the ALL-level log."),
                NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("batch:DescribeJobs supports no resource-level permissions (.sync polls it); "
                                + "TerminateJob and TagResource name job/* (a job ARN holds only a random id) and "
                                + "are limited by the dreamscape:queue tag condition; "
                                + "lambda:InvokeFunction on <arn>:* allows the functions' versions only; CloudWatch "
                                + "Logs delivery actions require Resource *.")
                        .build()), true);
        return machine;
    }

    private void uploadRule(StateMachine workflow) {
        List<Object> keys = new ArrayList<>();
        for (String suffix : IMAGE_SUFFIXES) {
            keys.add(Map.of("wildcard", "uploads/*." + suffix));
            keys.add(Map.of("wildcard", "uploads/*." + suffix.toUpperCase(Locale.ROOT)));
        }
        Rule.Builder.create(this, "UploadRule")
                .description("An image uploaded under uploads/ starts a Dreamscape execution")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.s3"))
                        .detailType(List.of("Object Created"))
                        .detail(Map.of(
                                "bucket", Map.of("name", List.of(bucket.getBucketName())),
                                "object", Map.of("key", keys)))
                        .build())
                .targets(List.of(SfnStateMachine.Builder.create(workflow)
                        .retryAttempts(20)
                        .maxEventAge(Duration.hours(24))
                        .build()))
                .build();
    }

    // ---------------------------------------------------------------------------------------------- status API

    /**
     * One JSON line per request, made only of HTTP API variables (AccessLogFormat.clf() is a REST API format: its
     * $context.resourcePath does not exist for HTTP APIs and the stage would be rejected). The route key, not the
     * path: a job's path holds its id, which is the capability to read it, and logs are no place for capabilities.
     */
    static final String STATUS_ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\","
            + "\"time\":\"$context.requestTime\",\"ip\":\"$context.identity.sourceIp\","
            + "\"method\":\"$context.httpMethod\",\"route\":\"$context.routeKey\","
            + "\"protocol\":\"$context.protocol\",\"status\":\"$context.status\","
            + "\"bytes\":\"$context.responseLength\",\"latencyMs\":\"$context.responseLatency\","
            + "\"integrationStatus\":\"$context.integrationStatus\","
            + "\"integrationLatencyMs\":\"$context.integrationLatency\","
            + "\"error\":\"$context.error.message\",\"integrationError\":\"$context.integrationErrorMessage\"}";

    private HttpApi statusApi(IFunction status) {
        HttpApi api = HttpApi.Builder.create(this, "StatusApi")
                .description("Dreamscape job status: GET /, GET /jobs, GET /jobs/{jobId}, deep-zoom tiles, viewer script")
                .createDefaultStage(false)
                .build();
        LogGroup accessLogs = LogGroup.Builder.create(this, "StatusApiAccessLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        HttpStage.Builder.create(this, "StatusApiStage")
                .httpApi(api)
                .stageName("$default")
                .autoDeploy(true)
                // A public endpoint in front of a paid function: cap what a flood can cost.
                // The deep-zoom viewer asks for a few dozen tiles per view change (each a tiny redirect), hence 100/200.
                .throttle(ThrottleSettings.builder().rateLimit(100).burstLimit(200).build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public IAccessLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        return AccessLogFormat.custom(STATUS_ACCESS_LOG_FORMAT);
                    }
                })
                .build();
        HttpLambdaIntegration integration = HttpLambdaIntegration.Builder.create("Status", status)
                .build();
        for (String path : List.of("/", "/jobs", "/jobs/{jobId}", "/jobs/{jobId}/live.jpg", "/jobs/{jobId}/deepzoom/{file+}",
                "/viewer/{file+}")) {
            api.addRoutes(AddRoutesOptions.builder()
                    .path(path)
                    .methods(List.of(HttpMethod.GET))
                    .integration(integration)
                    .build()).forEach(route -> NagSuppressions.addResourceSuppressions(route, List.of(nag(
                            "AwsSolutions-APIG4", "Authorisation is in the status function: GET /jobs requires the "
                                    + "bearer token, a job's route needs its unguessable 128-bit id (a capability, "
                                    + "shareable by design), GET / shows nothing without one of them."))));
        }
        return api;
    }

    /** Findings that follow from the design, each with its reason; anything else fails the synth and the tests. */
    private void suppressInherentFindings(StatefulStack data) {
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
        NagSuppressions.addResourceSuppressionsByPath(this, List.of(
                        "/" + getStackName() + "/GpuSpot/InstanceProfileRole/Resource",
                        "/" + getStackName() + "/GpuOnDemand/InstanceProfileRole/Resource",
                        "/" + getStackName() + "/MultiGpuSpot/InstanceProfileRole/Resource",
                        "/" + getStackName() + "/MultiGpuOnDemand/InstanceProfileRole/Resource"),
                List.of(nag("AwsSolutions-IAM4", "AmazonEC2ContainerServiceforEC2Role is what the ECS agent on a "
                        + "Batch container instance needs; AWS maintains it with the agent.")));
        NagSuppressions.addResourceSuppressionsByPath(this, List.of(
                        "/" + getStackName() + "/WorkerContainer/ExecutionRole/DefaultPolicy/Resource",
                        "/" + getStackName() + "/DoctorContainer/ExecutionRole/DefaultPolicy/Resource",
                        "/" + getStackName() + "/MultiGpuWorkerContainer/ExecutionRole/DefaultPolicy/Resource"),
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is "
                                + "limited to the asset repository.")
                        .appliesTo(List.of("Resource::*"))
                        .build()));
    }

    private static NagPackSuppression nag(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }
}
