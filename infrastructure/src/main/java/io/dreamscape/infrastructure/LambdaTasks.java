package io.dreamscape.infrastructure;

import static io.dreamscape.infrastructure.ComputeStack.ASSEMBLE_MEMORY_MB;
import static io.dreamscape.infrastructure.ComputeStack.ASSEMBLE_SCRATCH_MIB;
import static io.dreamscape.infrastructure.ComputeStack.HANDLER_PACKAGE;
import static io.dreamscape.infrastructure.ComputeStack.MAX_PIXELS;
import static io.dreamscape.infrastructure.ComputeStack.MULTI_GPU_DEVICES;
import static io.dreamscape.infrastructure.ComputeStack.PLAN_GPU_DOLLARS_PER_HOUR;
import static io.dreamscape.infrastructure.ComputeStack.PLAN_MULTI_GPU_DOLLARS_PER_HOUR;
import static io.dreamscape.infrastructure.ComputeStack.PLAN_SHARD_OVERHEAD_SECONDS;
import static io.dreamscape.infrastructure.ComputeStack.nag;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;

/**
 * The Lambda functions (the functions jar's handlers), each with its own log group, its own role and exactly the
 * grants its handler needs: Validate, Plan, Assemble and MarkFailed run as workflow tasks; Status serves the status
 * API through its SnapStart alias, with the bearer token of the job list in Secrets Manager.
 *
 * <p>Built straight into the stack (the stack is every resource's scope, as before this class existed), so the
 * logical ids and construct paths of deployed resources do not change.
 */
record LambdaTasks(Function validate, Function plan, Function assemble, Function markFailed, Alias statusLive,
                   Secret statusToken) {

    /**
     * The functions, built into {@code stack}. {@code statusLive} is the status function's published SnapStart
     * version, which the status API calls; {@code statusToken} is the bearer token of GET /jobs.
     */
    static LambdaTasks create(Stack stack, BucketAccess bucket, ITable table, Artifacts artifacts) {
        Lambdas lambdas = new Lambdas(stack, bucket, table, artifacts);
        // Short, latency-bound handlers start faster with tiered compilation stopped at C1 (AWS's Java guidance);
        // Plan and Assemble compute, so they keep the full JIT.
        Map<String, String> quickStart = Map.of("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

        // The service's pixel ceiling, stated here because the Assemble function is sized for it (ASSEMBLE_MEMORY_MB).
        Map<String, String> validateEnv = new LinkedHashMap<>(quickStart);
        validateEnv.put("MAX_PIXELS", Long.toString(MAX_PIXELS));
        Function validate = lambdas.create("Validate", "ValidateHandler", 1024, Duration.seconds(90), validateEnv);
        // models/: Validate checks that a custom model (models/NAME.pt) exists and reads its sidecar's layer names
        // (models/NAME.json) before any GPU starts (issue 12 item 5); without the grant the HEAD is a 403.
        bucket.read(validate, "uploads/*", "models/*", "guides/*", "masks/*");
        table.grant(validate, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");

        // The plan's cost estimate, priced for this deployment: g6.xlarge on demand (an upper bound when Spot is
        // available) and a fresh instance's boot and image pull per shard.
        // MULTI_GPU_*: the planner may run one image on all GPUs of the multi-GPU job definition instead of shards.
        Function plan = lambdas.create("Plan", "PlanHandler", 1024, Duration.minutes(5), Map.of(
                "GPU_DOLLARS_PER_HOUR", PLAN_GPU_DOLLARS_PER_HOUR,
                "SHARD_OVERHEAD_SECONDS", PLAN_SHARD_OVERHEAD_SECONDS,
                "MULTI_GPU_DEVICES", Integer.toString(MULTI_GPU_DEVICES),
                "MULTI_GPU_DOLLARS_PER_HOUR", PLAN_MULTI_GPU_DOLLARS_PER_HOUR));
        // jobs/*: Plan reads back a plan.json an earlier attempt wrote (idempotency); without GetObject the HEAD is a 403.
        bucket.read(plan, "uploads/*", "jobs/*");
        bucket.write(plan, "jobs/*");
        table.grant(plan, "dynamodb:GetItem", "dynamodb:UpdateItem");

        // Assemble streams (heap flat in the pixel count): memory only buys CPU here, see ASSEMBLE_MEMORY_MB.
        Function assemble = lambdas.create("Assemble", "AssembleHandler", ASSEMBLE_MEMORY_MB, Duration.minutes(15), Map.of());
        bucket.read(assemble, "uploads/*", "jobs/*");
        bucket.write(assemble, "outputs/*");
        table.grant(assemble, "dynamodb:GetItem", "dynamodb:UpdateItem");

        Function markFailed = lambdas.create("MarkFailed", "MarkFailedHandler", 512, Duration.seconds(45), quickStart);
        bucket.read(markFailed, "uploads/*");
        table.grant(markFailed, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");

        // The list route (GET /jobs) needs this token as "Authorization: Bearer ..."; a single job's route is open to
        // whoever knows its unguessable id. Secrets Manager generates the token at deploy time; CloudFormation resolves
        // it into the function's environment, so it is never in the template or the repository.
        Secret statusToken = Secret.Builder.create(stack, "StatusToken")
                .description("Bearer token for the Dreamscape status API's job list (GET /jobs)")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(40)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        NagSuppressions.addResourceSuppressions(statusToken, List.of(nag("AwsSolutions-SMG4",
                "A bearer token for a read-only job list, not a credential another system shares: rotate it by hand "
                        + "with `aws secretsmanager put-secret-value`; the status function reads it from Secrets "
                        + "Manager (cached 5 minutes), so no deploy is needed (infrastructure/README.md).")));
        // Only the secret's ARN goes into the environment: the function reads the value on first use and caches it,
        // so the token is in no template, no environment and no SnapStart snapshot.
        Map<String, String> statusEnv = new LinkedHashMap<>(quickStart);
        statusEnv.put("STATUS_TOKEN_SECRET_ARN", statusToken.getSecretArn());
        Function status = lambdas.create("Status", "StatusHandler", 1024, Duration.seconds(15), statusEnv);
        statusToken.grantRead(status); // secretsmanager:GetSecretValue and DescribeSecret on this secret only
        table.grant(status, "dynamodb:GetItem", "dynamodb:Query"); // Query also on the recent-jobs index
        // Presigned URLs for outputs, previews and thumbnails are signed with this role's credentials.
        // jobs/*/live/*: the workers' live previews, which the status API HEADs and presigns while a job dreams.
        // jobs/*/plan.json: the shards' rectangles, for the multi-shard live mosaic (LiveMosaic).
        bucket.read(status, "outputs/*", "jobs/*/live/*", "jobs/*/plan.json");
        // The status API is the only latency-bound function: SnapStart removes most of its cold start. It needs a
        // published version, so the API calls the "live" alias.
        Alias statusLive = Alias.Builder.create(stack, "StatusLive")
                .aliasName("live")
                .version(status.getCurrentVersion())
                .build();
        return new LambdaTasks(validate, plan, assemble, markFailed, statusLive, statusToken);
    }

    /** The functions the state machine invokes. */
    List<Function> workflowTasks() {
        return List.of(validate, plan, assemble, markFailed);
    }

    /** Makes each function with its own log group and role, and the environment every handler reads. */
    private record Lambdas(Stack stack, BucketAccess bucket, ITable table, Artifacts artifacts) {

        Function create(String id, String handlerClass, int memoryMb, Duration timeout, Map<String, String> env) {
            LogGroup logs = ComputeStack.logGroup(stack, id + "Logs");
            // Its own role, allowed to write its own log group and nothing else until the grants below.
            Role role = Role.Builder.create(stack, id + "Role")
                    .description("Dreamscape " + handlerClass)
                    .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                    .build();
            logs.grantWrite(role);
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("BUCKET", bucket.bucket().getBucketName());
            environment.put("TABLE", table.getTableName());
            environment.putAll(env);
            Function.Builder builder = Function.Builder.create(stack, id)
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
                // Scratch (SCRATCH_DIR, default /tmp) holds about two grid rows of 16-bit shard PNGs plus the output
                // JPEG.
                builder.ephemeralStorageSize(Size.mebibytes(ASSEMBLE_SCRATCH_MIB));
            }
            return builder.build();
        }
    }
}
