package io.dreamscape.infrastructure;

import static io.dreamscape.infrastructure.ComputeStack.DOCTOR_TIMEOUT;
import static io.dreamscape.infrastructure.ComputeStack.MULTI_GPU_DEVICES;
import static io.dreamscape.infrastructure.ComputeStack.MULTI_GPU_INSTANCE_TYPES;
import static io.dreamscape.infrastructure.ComputeStack.MULTI_GPU_MEMORY_MIB;
import static io.dreamscape.infrastructure.ComputeStack.MULTI_GPU_VCPUS;
import static io.dreamscape.infrastructure.ComputeStack.RUNNABLE_CAPACITY_WAIT;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_ATTEMPTS;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_ATTEMPT_TIMEOUT;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_EXIT_RETRYABLE;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_EXIT_STOPPED;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_INSTANCE_TYPES;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_MEMORY_MIB;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_STOP_TIMEOUT_SECONDS;
import static io.dreamscape.infrastructure.ComputeStack.WORKER_VCPUS;
import static io.dreamscape.infrastructure.ComputeStack.nag;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.IgnoreMode;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
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
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;

/**
 * AWS Batch on GPU instances: a VPC without NAT, the instances' launch template (Spot draining, IMDSv2 hop limit 1),
 * Spot-then-on-demand compute environments and a queue for one-GPU workers and another pair and queue for multi-GPU
 * ones, the worker image, the workers' role and job definitions with their retry rules, and the GPU smoke test.
 *
 * <p>Built straight into the stack (the stack is every resource's scope, as before this class existed), so the
 * logical ids and construct paths of deployed resources do not change.
 */
record GpuBatch(JobQueue queue, EcsJobDefinition worker, EcsJobDefinition doctor, JobQueue multiGpuQueue,
                EcsJobDefinition multiGpuWorker) {

    /**
     * Batch, built into {@code stack}: {@code queue} and {@code worker} for one-GPU jobs, {@code doctor} the GPU smoke
     * test ({@code dreamscape doctor}), {@code multiGpuQueue} and {@code multiGpuWorker} for one image on all GPUs of
     * one instance.
     */
    static GpuBatch create(Stack stack, BucketAccess bucket, ITable table, Artifacts artifacts,
                           ComputeStack.Settings settings) {
        Vpc vpc = vpc(stack);
        SecurityGroup noInbound = SecurityGroup.Builder.create(stack, "WorkerSecurityGroup")
                .vpc(vpc)
                .description("Dreamscape GPU workers: outbound only")
                .allowAllOutbound(true)
                .build();
        LaunchTemplate launchTemplate = launchTemplate(stack);

        ManagedEc2EcsComputeEnvironment spot = gpuEnvironment(stack, "GpuSpot", vpc, noInbound, launchTemplate,
                true, settings.maxSpotVcpus());
        ManagedEc2EcsComputeEnvironment onDemand = gpuEnvironment(stack, "GpuOnDemand", vpc, noInbound,
                launchTemplate, false, settings.maxOnDemandVcpus());
        // A job that can never start must not hold its execution for two days: Batch cancels it (the state machine
        // then resubmits once and records FAILED with the reason). Capacity gets hours to come back; a requirement no
        // instance or environment can meet is cancelled after Batch's minimum of 10 minutes.
        List<JobStateTimeLimitAction> giveUp = List.of(
                runnableTooLong(JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, RUNNABLE_CAPACITY_WAIT),
                runnableTooLong(JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, Duration.minutes(10)),
                runnableTooLong(JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, Duration.minutes(10)));
        JobQueue queue = queue(stack, "Queue", spot, onDemand, giveUp);

        DockerImageAsset image = DockerImageAsset.Builder.create(stack, "WorkerImage")
                .directory(artifacts.repoRoot().toString())
                .file(Artifacts.DOCKERFILE)
                .exclude(Artifacts.DOCKER_EXCLUDES)
                .ignoreMode(IgnoreMode.DOCKER)
                .platform(Platform.LINUX_AMD64)
                .build();

        Role jobRole = Role.Builder.create(stack, "WorkerRole")
                .description("Dreamscape GPU worker: reads its input and plan, writes shard results and checkpoints")
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .build();
        // models/: an upload may name a TorchScript model kept in the bucket's models/ folder (functions' parameter
        // check allows "name.pt" there); the worker reads it from S3.
        bucket.read(jobRole, "uploads/*", "jobs/*", "models/*", "guides/*", "masks/*");
        bucket.grant(jobRole, List.of("s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"), "jobs/*");
        table.grant(jobRole, "dynamodb:GetItem", "dynamodb:UpdateItem");

        LogGroup workerLogs = ComputeStack.logGroup(stack, "WorkerLogs");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BUCKET", bucket.bucket().getBucketName());
        env.put("TABLE", table.getTableName());
        env.put("AWS_REGION", stack.getRegion());
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        EcsJobDefinition worker = workerDefinition(stack, "Worker", image, 1, WORKER_VCPUS, WORKER_MEMORY_MIB, env,
                jobRole, workerLogs);

        // The GPU smoke test (`dreamscape doctor`), run once by hand after a deploy (infrastructure/README.md): the
        // same image and resources as a worker, the built-in GoogLeNet baked into the image, --device gpu so that an
        // instance without a usable GPU fails instead of quietly testing the CPU. It touches no bucket or table, so it
        // has no job role.
        EcsJobDefinition doctor = EcsJobDefinition.Builder.create(stack, "Doctor")
                .container(EcsEc2ContainerDefinition.Builder.create(stack, "DoctorContainer")
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
        ManagedEc2EcsComputeEnvironment multiSpot = gpuEnvironment(stack, "MultiGpuSpot", vpc, noInbound,
                launchTemplate, true, settings.maxMultiGpuVcpus(), MULTI_GPU_INSTANCE_TYPES);
        ManagedEc2EcsComputeEnvironment multiOnDemand = gpuEnvironment(stack, "MultiGpuOnDemand", vpc, noInbound,
                launchTemplate, false, settings.maxMultiGpuVcpus(), MULTI_GPU_INSTANCE_TYPES);
        JobQueue multiGpuQueue = queue(stack, "MultiGpuQueue", multiSpot, multiOnDemand, giveUp);
        EcsJobDefinition multiGpuWorker = workerDefinition(stack, "MultiGpuWorker", image, MULTI_GPU_DEVICES,
                MULTI_GPU_VCPUS, MULTI_GPU_MEMORY_MIB, env, jobRole, workerLogs);
        return new GpuBatch(queue, worker, doctor, multiGpuQueue, multiGpuWorker);
    }

    private static Vpc vpc(Stack stack) {
        // Public subnets only: no NAT gateway (about 35 USD a month each, even when idle). Instances get a public IP
        // for ECR, ECS and CloudWatch; S3 and DynamoDB traffic stays on free gateway endpoints. Nothing listens.
        Vpc vpc = Vpc.Builder.create(stack, "Vpc")
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
        return vpc;
    }

    /** The GPU instances' launch template. */
    private static LaunchTemplate launchTemplate(Stack stack) {
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
        return LaunchTemplate.Builder.create(stack, "WorkerLaunchTemplate")
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
    }

    /**
     * Findings that follow from Batch's own resources (paths, since CDK makes them inside the constructs), each with
     * its reason.
     */
    static void suppressInherentFindings(Stack stack) {
        NagSuppressions.addResourceSuppressionsByPath(stack, List.of(
                        "/" + stack.getStackName() + "/GpuSpot/InstanceProfileRole/Resource",
                        "/" + stack.getStackName() + "/GpuOnDemand/InstanceProfileRole/Resource",
                        "/" + stack.getStackName() + "/MultiGpuSpot/InstanceProfileRole/Resource",
                        "/" + stack.getStackName() + "/MultiGpuOnDemand/InstanceProfileRole/Resource"),
                List.of(nag("AwsSolutions-IAM4", "AmazonEC2ContainerServiceforEC2Role is what the ECS agent on a "
                        + "Batch container instance needs; AWS maintains it with the agent.")));
        NagSuppressions.addResourceSuppressionsByPath(stack, List.of(
                        "/" + stack.getStackName() + "/WorkerContainer/ExecutionRole/DefaultPolicy/Resource",
                        "/" + stack.getStackName() + "/DoctorContainer/ExecutionRole/DefaultPolicy/Resource",
                        "/" + stack.getStackName() + "/MultiGpuWorkerContainer/ExecutionRole/DefaultPolicy/Resource"),
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("ecr:GetAuthorizationToken has no resource-level permissions; the image pull itself is "
                                + "limited to the asset repository.")
                        .appliesTo(List.of("Resource::*"))
                        .build()));
    }

    /** A queue that tries {@code spot} first, then {@code onDemand}, and gives up on jobs that cannot start. */
    private static JobQueue queue(Stack stack, String id, ManagedEc2EcsComputeEnvironment spot,
                                  ManagedEc2EcsComputeEnvironment onDemand, List<JobStateTimeLimitAction> giveUp) {
        return JobQueue.Builder.create(stack, id)
                .priority(1)
                .jobStateTimeLimitActions(giveUp)
                .computeEnvironments(List.of(
                        OrderedComputeEnvironment.builder().computeEnvironment(spot).order(1).build(),
                        OrderedComputeEnvironment.builder().computeEnvironment(onDemand).order(2).build()))
                .build();
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
    private static EcsJobDefinition workerDefinition(Stack stack, String id, DockerImageAsset image, int gpus,
                                                     int vcpus, int memoryMib, Map<String, String> env, Role jobRole,
                                                     LogGroup logs) {
        return EcsJobDefinition.Builder.create(stack, id)
                .container(EcsEc2ContainerDefinition.Builder.create(stack, id + "Container")
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

    private static ManagedEc2EcsComputeEnvironment gpuEnvironment(Stack stack, String id, Vpc vpc,
            SecurityGroup securityGroup, LaunchTemplate launchTemplate, boolean spot, int maxVcpus) {
        return gpuEnvironment(stack, id, vpc, securityGroup, launchTemplate, spot, maxVcpus, WORKER_INSTANCE_TYPES);
    }

    private static ManagedEc2EcsComputeEnvironment gpuEnvironment(Stack stack, String id, Vpc vpc,
            SecurityGroup securityGroup, LaunchTemplate launchTemplate, boolean spot, int maxVcpus,
            List<String> instanceTypes) {
        ManagedEc2EcsComputeEnvironment.Builder builder = ManagedEc2EcsComputeEnvironment.Builder.create(stack, id)
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
}
