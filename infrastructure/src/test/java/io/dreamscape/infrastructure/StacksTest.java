package io.dreamscape.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * Synthesizes both stacks once (jsii makes each synth cost seconds) and asserts on the templates. The Lambda jar is
 * the real one when it was built before this module (the reactor does), else a placeholder: the assertions are about
 * the infrastructure, not the code.
 */
class StacksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Artifacts artifacts;
    private static DreamscapeApp.Stacks stacks;
    private static Template data;
    private static Template compute;
    private static JsonNode dataJson;
    private static JsonNode computeJson;
    private static CloudAssembly assembly;

    @BeforeAll
    static void synthesizeOnce() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        artifacts = Artifacts.locate(Path.of(""));
        if (!Files.isRegularFile(artifacts.functionsJar())) {
            artifacts = artifacts.withFunctionsJar(placeholderJar(target.resolve("placeholder-functions.jar")));
        }
        App app = new App(AppProps.builder().outdir(target.resolve("cdk.out-test").toString()).build());
        stacks = DreamscapeApp.build(app, artifacts, null);
        assembly = app.synth();
        data = Template.fromStack(stacks.data());
        compute = Template.fromStack(stacks.compute());
        dataJson = JSON.valueToTree(data.toJSON());
        computeJson = JSON.valueToTree(compute.toJSON());
    }

    private static Path placeholderJar(Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("PLACEHOLDER"));
            zip.write("functions.jar was not built; this stands in for it in the infrastructure tests".getBytes());
            zip.closeEntry();
        }
        return jar;
    }

    // ------------------------------------------------------------------------------------------- data stack

    @Test
    void bucketBlocksAllPublicAccessAndEncrypts() {
        data.hasResourceProperties("AWS::S3::Bucket", Map.of(
                "PublicAccessBlockConfiguration", Map.of(
                        "BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                        "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256"))))));
    }

    @Test
    void bucketPolicyDeniesRequestsWithoutTls() {
        data.hasResourceProperties("AWS::S3::BucketPolicy", Map.of("PolicyDocument", Map.of("Statement",
                Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Effect", "Deny",
                        "Action", "s3:*",
                        "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }

    @Test
    void bucketSendsObjectEventsToEventBridge() {
        data.hasResourceProperties("Custom::S3BucketNotifications", Map.of(
                "NotificationConfiguration", Map.of("EventBridgeConfiguration", Map.of())));
    }

    @Test
    void bucketExpiresJobTemporariesAndAbortsIncompleteUploads() {
        data.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules",
                Match.arrayWith(List.of(
                        Match.objectLike(Map.of("Prefix", "jobs/", "Status", "Enabled",
                                "ExpirationInDays", StatefulStack.JOB_TEMPORARIES_DAYS)),
                        Match.objectLike(Map.of("Status", "Enabled",
                                "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1))))))));
    }

    @Test
    void statefulResourcesSurviveStackDeletion() {
        data.hasResource("AWS::S3::Bucket", Map.of("DeletionPolicy", "Retain", "UpdateReplacePolicy", "Retain"));
        data.hasResource("AWS::DynamoDB::Table", Map.of("DeletionPolicy", "Retain"));
    }

    @Test
    void tableIsOnDemandWithPointInTimeRecovery() {
        data.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "BillingMode", "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH")),
                "GlobalSecondaryIndexes", Match.arrayWith(List.of(
                        Match.objectLike(Map.of("IndexName", "byCreated", "KeySchema", List.of(
                                Map.of("AttributeName", "listPk", "KeyType", "HASH"),
                                Map.of("AttributeName", "listSk", "KeyType", "RANGE")))),
                        Match.objectLike(Map.of("IndexName", "bySource", "KeySchema", List.of(
                                Map.of("AttributeName", "sourceKey", "KeyType", "HASH"),
                                Map.of("AttributeName", "listSk", "KeyType", "RANGE"))))))));
    }

    @Test
    void dataStackOutputsTheBucketName() {
        data.hasOutput("BucketName", Map.of());
    }

    // ------------------------------------------------------------------------------------------- trigger

    @Test
    void uploadRuleMatchesImagesUnderUploadsOnlyAndStartsTheWorkflow() {
        JsonNode rule = only(computeJson, "AWS::Events::Rule").path("Properties");
        JsonNode pattern = rule.path("EventPattern");
        assertEquals("aws.s3", pattern.path("source").get(0).asText());
        assertEquals("Object Created", pattern.path("detail-type").get(0).asText());
        assertTrue(pattern.path("detail").path("bucket").path("name").get(0).has("Fn::ImportValue"),
                "the rule is limited to the stack's own bucket");
        Set<String> wildcards = new TreeSet<>();
        pattern.path("detail").path("object").path("key").forEach(k -> wildcards.add(k.path("wildcard").asText()));
        for (String suffix : List.of("jpg", "JPG", "jpeg", "png", "PNG", "tif", "tiff", "TIFF")) {
            assertTrue(wildcards.contains("uploads/*." + suffix), "missing " + suffix + " in " + wildcards);
        }
        wildcards.forEach(w -> assertTrue(w.startsWith("uploads/"), w));
        assertTrue(rule.path("Targets").get(0).path("Arn").path("Ref").asText().startsWith("Workflow"));
    }

    // ------------------------------------------------------------------------------------------- Lambdas

    @Test
    void lambdasRunJava21WithTheirHandlersAndSizes() {
        Map<String, Integer> memory = Map.of("ValidateHandler", 1024, "PlanHandler", 1024,
                "AssembleHandler", ComputeStack.ASSEMBLE_MEMORY_MB, "MarkFailedHandler", 512, "StatusHandler", 1024);
        memory.forEach((handler, mb) -> compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Runtime", "java21",
                "Handler", "io.dreamscape.handlers." + handler + "::handleRequest",
                "MemorySize", mb,
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "BUCKET", Match.anyValue(), "TABLE", Match.anyValue()))))));
        List<JsonNode> functions = all(computeJson, "AWS::Lambda::Function");
        long dreamscape = functions.stream()
                .filter(f -> f.path("Properties").path("Handler").asText().startsWith("io.dreamscape.handlers."))
                .count();
        assertEquals(5, dreamscape);
        compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "io.dreamscape.handlers.PlanHandler::handleRequest",
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "GPU_DOLLARS_PER_HOUR", ComputeStack.PLAN_GPU_DOLLARS_PER_HOUR,
                        "SHARD_OVERHEAD_SECONDS", ComputeStack.PLAN_SHARD_OVERHEAD_SECONDS)))));
        compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "io.dreamscape.handlers.AssembleHandler::handleRequest",
                "EphemeralStorage", Map.of("Size", ComputeStack.ASSEMBLE_SCRATCH_MIB),
                "Timeout", 900));
        // Assemble is sized for the 1-gigapixel ceiling (docs/benchmarks.md): two vCPUs, and the ceiling is explicit.
        assertEquals(2 * 1769, ComputeStack.ASSEMBLE_MEMORY_MB);
        compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "io.dreamscape.handlers.ValidateHandler::handleRequest",
                "Environment", Map.of("Variables", Match.objectLike(Map.of("MAX_PIXELS", "500000000")))));
        compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "io.dreamscape.handlers.StatusHandler::handleRequest",
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "STATUS_TOKEN_SECRET_ARN", Map.of("Ref", Match.stringLikeRegexp("StatusToken.*")))))));
    }

    @Test
    void everyLogGroupHasARetention() {
        List<JsonNode> groups = all(computeJson, "AWS::Logs::LogGroup");
        assertTrue(groups.size() >= 8, "5 functions, workflow, worker, API access logs: " + groups.size());
        groups.forEach(g -> assertEquals(30, g.path("Properties").path("RetentionInDays").asInt(), g.toString()));
        all(computeJson, "AWS::Lambda::Function").stream()
                .filter(f -> f.path("Properties").path("Handler").asText().startsWith("io.dreamscape.handlers."))
                .forEach(f -> assertTrue(f.path("Properties").path("LoggingConfig").has("LogGroup"), f.toString()));
    }

    // ------------------------------------------------------------------------------------------- Batch

    @Test
    void gpuComputeEnvironmentsScaleToZeroOnG5AndG6SpotFirst() {
        for (String type : List.of("SPOT", "EC2")) {
            compute.hasResourceProperties("AWS::Batch::ComputeEnvironment", Map.of(
                    "Type", "managed",
                    "ComputeResources", Match.objectLike(Map.of(
                            "Type", type,
                            "MinvCpus", 0,
                            "InstanceTypes", List.of("g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge"),
                            "AllocationStrategy", type.equals("SPOT")
                                    ? "SPOT_PRICE_CAPACITY_OPTIMIZED" : "BEST_FIT_PROGRESSIVE",
                            "Ec2Configuration", List.of(Map.of("ImageType", "ECS_AL2023_NVIDIA"))))));
        }
        JsonNode queue = withIdPrefix(computeJson, "AWS::Batch::JobQueue", "Queue").path("Properties");
        JsonNode order = queue.path("ComputeEnvironmentOrder");
        assertEquals(2, order.size());
        assertEquals(1, order.get(0).path("Order").asInt());
        assertTrue(order.get(0).path("ComputeEnvironment").path("Fn::GetAtt").get(0).asText().startsWith("GpuSpot"));
        Map<String, Integer> cancelAfter = new java.util.TreeMap<>();
        queue.path("JobStateTimeLimitActions").forEach(a -> {
            assertEquals("CANCEL", a.path("Action").asText());
            assertEquals("RUNNABLE", a.path("State").asText());
            cancelAfter.put(a.path("Reason").asText(), a.path("MaxTimeSeconds").asInt());
        });
        assertEquals(Map.of(
                "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY", 6 * 3600,
                "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE", 600,
                "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", 600), cancelAfter);
    }

    @Test
    void jobDefinitionAsksForOneGpuAndRetriesOnlyHostTerminations() {
        JsonNode def = jobDefinition("worker").path("Properties");
        JsonNode container = def.path("ContainerProperties");
        Set<String> resources = new TreeSet<>();
        container.path("ResourceRequirements").forEach(r -> resources.add(r.path("Type").asText() + "="
                + r.path("Value").asText()));
        assertTrue(resources.contains("GPU=1"), resources.toString());
        assertTrue(resources.contains("VCPU=" + ComputeStack.WORKER_VCPUS), resources.toString());
        assertTrue(resources.contains("MEMORY=" + ComputeStack.WORKER_MEMORY_MIB), resources.toString());
        assertEquals("worker", container.path("Command").get(0).asText());
        JsonNode retry = def.path("RetryStrategy");
        assertEquals(ComputeStack.WORKER_ATTEMPTS, retry.path("Attempts").asInt());
        JsonNode rules = retry.path("EvaluateOnExit");
        assertTrue(rules.size() <= 5, "Batch allows five rules: " + rules);
        assertEquals("exit", rules.get(rules.size() - 1).path("Action").asText().toLowerCase());
        assertEquals("*", rules.get(rules.size() - 1).path("OnStatusReason").asText(), "anything else is final");
        assertEquals(12 * 3600, def.path("Timeout").path("AttemptDurationSeconds").asInt());
        Set<String> env = new TreeSet<>();
        container.path("Environment").forEach(e -> env.add(e.path("Name").asText()));
        assertTrue(env.containsAll(List.of("BUCKET", "TABLE", "AWS_REGION")), env.toString());
        assertTrue(JSON.valueToTree(container.path("Image")).toString().contains(".dkr.ecr."),
                "the worker image is the ECR asset built from batch-container/Dockerfile");
    }

    @Test
    void workerImageIsBuiltFromTheDockerfileWithoutBuildOutputsInItsContext() throws IOException {
        Path assets = Path.of(assembly.getDirectory()).resolve(DreamscapeApp.COMPUTE_STACK + ".assets.json");
        JsonNode images = JSON.readTree(assets.toFile()).path("dockerImages");
        assertEquals(1, images.size());
        JsonNode source = images.elements().next().path("source");
        assertEquals(Artifacts.DOCKERFILE, source.path("dockerFile").asText());
        assertEquals("linux/amd64", source.path("platform").asText());
        Path context = Path.of(assembly.getDirectory()).resolve(source.path("directory").asText());
        assertTrue(Files.isRegularFile(context.resolve("batch-container/Dockerfile")));
        assertTrue(Files.isRegularFile(context.resolve("functions/pom.xml")));
        assertFalse(Files.exists(context.resolve("functions/domain/target")), "target/ must not reach the image context");
        assertFalse(Files.exists(context.resolve("tests/node_modules")));
        assertFalse(Files.exists(context.resolve("functions/domain/src/test")), "test sources do not trigger image rebuilds");
        assertTrue(Files.isDirectory(context.resolve("batch-container/src/main")));
    }

    @Test
    void workersGetTimeToCheckpointWhenSpotReclaimsTheirInstance() {
        JsonNode template = only(computeJson, "AWS::EC2::LaunchTemplate").path("Properties").path("LaunchTemplateData");
        String userData = template.path("UserData").toString();
        assertTrue(userData.contains("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"), userData);
        assertTrue(userData.contains("ECS_CONTAINER_STOP_TIMEOUT=110s"), userData);
        assertTrue(userData.contains("multipart/mixed"), "Batch requires MIME multi-part user data");
        assertEquals("required", template.path("MetadataOptions").path("HttpTokens").asText());
        assertTrue(template.path("BlockDeviceMappings").get(0).path("Ebs").path("Encrypted").asBoolean());
    }

    @Test
    void vpcHasNoNatGatewaysAndFreeGatewayEndpoints() {
        compute.resourceCountIs("AWS::EC2::NatGateway", 0);
        List<JsonNode> endpoints = all(computeJson, "AWS::EC2::VPCEndpoint");
        assertEquals(2, endpoints.size());
        Set<String> services = new TreeSet<>();
        endpoints.forEach(e -> {
            assertEquals("Gateway", e.path("Properties").path("VpcEndpointType").asText());
            services.add(e.path("Properties").path("ServiceName").toString().contains("dynamodb") ? "dynamodb" : "s3");
        });
        assertEquals(Set.of("dynamodb", "s3"), services);
        compute.hasResourceProperties("AWS::EC2::SecurityGroup", Map.of(
                "GroupDescription", "Dreamscape GPU workers: outbound only",
                "SecurityGroupIngress", Match.absent()));
    }

    // ------------------------------------------------------------------------------------------- workflow

    @Test
    void stateMachineDefinitionIsTheFileWithEveryPlaceholderSubstituted() throws IOException {
        JsonNode sm = only(computeJson, "AWS::StepFunctions::StateMachine").path("Properties");
        String definition = sm.path("DefinitionString").asText();
        assertEquals(JSON.readTree(artifacts.stateMachineDefinition()), JSON.readTree(definition),
                "the deployed definition is statemachine/dreamscape.asl.json as is");
        Set<String> placeholders = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Za-z]+)}").matcher(definition);
        while (m.find()) {
            placeholders.add(m.group(1));
        }
        Set<String> substituted = new TreeSet<>();
        sm.path("DefinitionSubstitutions").fieldNames().forEachRemaining(substituted::add);
        assertEquals(placeholders, substituted);
        JsonNode states = JSON.readTree(definition).path("States");
        assertEquals("arn:aws:states:::batch:submitJob.sync", states.path("DreamShards").path("Resource").asText());
        assertEquals("ALL", sm.path("LoggingConfiguration").path("Level").asText());
    }

    @Test
    void stateMachineMayRunBatchSyncJobsAndInvokeOnlyItsFunctions() {
        List<JsonNode> statements = statementsOfRole("Workflow");
        JsonNode submit = statementWith(statements, "batch:SubmitJob");
        assertEquals(4, submit.path("Resource").size(),
                "the one-GPU and the multi-GPU job queue and job definition, nothing else");
        submit.path("Resource").forEach(r -> assertFalse(r.asText().equals("*")));
        JsonNode events = statementWith(statements, "events:PutRule");
        assertTrue(events.path("Action").toString().contains("events:PutTargets"));
        assertTrue(events.path("Action").toString().contains("events:DescribeRule"));
        assertTrue(events.path("Resource").toString().contains("rule/StepFunctionsGetEventsForBatchJobsRule"));
        StringBuilder invocable = new StringBuilder();
        statements.stream().filter(s -> actionsOf(s).contains("lambda:InvokeFunction"))
                .forEach(s -> invocable.append(s.path("Resource")));
        String resources = invocable.toString();
        for (String fn : List.of("Validate", "Plan", "Assemble", "MarkFailed")) {
            assertTrue(resources.contains("\"" + fn), fn + " in " + resources);
        }
        assertFalse(resources.contains("\"Status"), "the workflow never calls the status function");
        assertEquals(List.of("*"), resourcesOf(statementWith(statements, "batch:DescribeJobs")));
        assertTrue(statements.stream().anyMatch(st -> actionsOf(st).contains("batch:TerminateJob")));
    }

    @Test
    void wildcardResourcesOnlyWhereTheActionHasNoNarrowerResource() {
        Set<String> needStar = Set.of("batch:DescribeJobs", "logs:CreateLogDelivery",
                "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
                "ecr:GetAuthorizationToken", "s3:PutBucketNotification");
        List<String> offenders = new ArrayList<>();
        for (JsonNode template : List.of(dataJson, computeJson)) {
            for (JsonNode policy : all(template, "AWS::IAM::Policy")) {
                for (JsonNode st : policy.path("Properties").path("PolicyDocument").path("Statement")) {
                    if (!resourcesOf(st).contains("*")) {
                        continue;
                    }
                    for (String action : actionsOf(st)) {
                        if (!needStar.contains(action)) {
                            offenders.add(action);
                        }
                    }
                }
            }
        }
        assertTrue(offenders.isEmpty(), "actions granted on Resource * although they allow narrower: " + offenders);
    }

    @Test
    void objectPermissionsAreScopedToKeyPrefixes() {
        for (JsonNode policy : all(computeJson, "AWS::IAM::Policy")) {
            for (JsonNode st : policy.path("Properties").path("PolicyDocument").path("Statement")) {
                boolean objectAction = actionsOf(st).stream().anyMatch(a -> a.startsWith("s3:") && a.contains("Object"));
                if (objectAction) {
                    for (String r : resourcesOf(st)) {
                        assertTrue(r.matches(".*/(uploads|jobs|outputs|models|guides|masks)/\\*\"?.*"),
                                "object access outside uploads/, jobs/, outputs/, models/, guides/, masks/: " + r);
                    }
                }
            }
        }
    }

    @Test
    void everyRoleThatReadsObjectsSeesMissingKeysAs404() {
        for (JsonNode policy : all(computeJson, "AWS::IAM::Policy")) {
            List<JsonNode> statements = new ArrayList<>();
            policy.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
            boolean reads = statements.stream().anyMatch(st -> actionsOf(st).contains("s3:GetObject"));
            boolean lists = statements.stream().anyMatch(st -> actionsOf(st).contains("s3:ListBucket")
                    && !st.path("Resource").toString().contains("/*"));
            if (reads) {
                assertTrue(lists, "HEAD of a missing key is 403 without s3:ListBucket: " + policy.path("Properties")
                        .path("Roles"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------- status API

    @Test
    void validateCanCheckACustomModelAndItsLayersBeforeAnyGpuStarts() {
        List<JsonNode> statements = statementsOfRole("ValidateRole");
        assertTrue(statements.stream().anyMatch(st -> actionsOf(st).contains("s3:GetObject")
                        && st.path("Resource").toString().contains("/models/*")),
                "Validate HEADs models/NAME.pt and reads models/NAME.json: " + statements);
    }

    @Test
    void validateAndTheWorkerCanReadGuideImages() {
        for (String role : List.of("ValidateRole", "WorkerRole")) {
            List<JsonNode> statements = statementsOfRole(role);
            assertTrue(statements.stream().anyMatch(st -> actionsOf(st).contains("s3:GetObject")
                            && st.path("Resource").toString().contains("/guides/*")),
                    role + " reads guides/NAME (an upload's \"guide\"): " + statements);
        }
    }

    @Test
    void validateAndTheWorkersCanReadMasks() {
        for (String role : List.of("ValidateRole", "WorkerRole")) {
            List<JsonNode> statements = statementsOfRole(role);
            assertTrue(statements.stream().anyMatch(st -> actionsOf(st).contains("s3:GetObject")
                            && st.path("Resource").toString().contains("/masks/*")),
                    role + " reads masks/NAME (an upload's \"mask\"): " + statements);
        }
    }

    @Test
    void planCanReadBackThePlanAnEarlierAttemptWrote() {
        List<JsonNode> statements = statementsOfRole("Plan");
        assertTrue(statements.stream().anyMatch(st -> actionsOf(st).contains("s3:GetObject")
                        && st.path("Resource").toString().contains("/jobs/*")),
                "Plan HEADs jobs/{id}/plan.json: it needs s3:GetObject on jobs/* (else S3 answers 403): " + statements);
    }

    @Test
    void statusApiRoutesGoThroughTheSnapStartAliasWithThrottling() {
        Set<String> routes = new TreeSet<>();
        all(computeJson, "AWS::ApiGatewayV2::Route").forEach(r -> routes.add(r.path("Properties").path("RouteKey")
                .asText()));
        assertEquals(Set.of("GET /", "GET /jobs", "GET /jobs/{jobId}", "GET /jobs/{jobId}/live.jpg",
                "GET /jobs/{jobId}/deepzoom/{file+}",
                "GET /viewer/{file+}"), routes);
        compute.hasResourceProperties("AWS::ApiGatewayV2::Stage", Map.of(
                "StageName", "$default",
                "DefaultRouteSettings", Match.objectLike(Map.of("ThrottlingRateLimit", 100)),
                "AccessLogSettings", Match.objectLike(Map.of())));
        compute.hasResourceProperties("AWS::ApiGatewayV2::Integration", Map.of(
                "IntegrationUri", Map.of("Ref", Match.stringLikeRegexp("StatusLive.*")),
                "PayloadFormatVersion", "2.0"));
        compute.hasOutput("StatusUrl", Map.of());
    }

    // ------------------------------------------------------------------------------------------- cdk-nag

    @Test
    void awsSolutionsChecksFindNothingUnsuppressed() {
        List<String> findings = new ArrayList<>();
        for (var stack : List.of(stacks.data(), stacks.compute())) {
            Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
                    .forEach(msg -> findings.add("ERROR " + msg.getId() + ": " + shortly(msg.getEntry().getData())));
            Annotations.fromStack(stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))
                    .forEach(msg -> findings.add("WARN " + msg.getId() + ": " + shortly(msg.getEntry().getData())));
        }
        assertTrue(findings.isEmpty(), String.join("\n", findings));
    }

    @Test
    void gpuCeilingsComeFromContextAsNumbersOrStrings() {
        App app = new App(AppProps.builder().context(Map.of(
                "dreamscape:maxSpotVcpus", 8.0, "dreamscape:maxOnDemandVcpus", "4")).build());
        assertEquals(new ComputeStack.Settings(8, 4), ComputeStack.Settings.from(app));
        assertEquals(new ComputeStack.Settings(64, 16), ComputeStack.Settings.from(new App()));
        compute.hasResourceProperties("AWS::Batch::ComputeEnvironment", Map.of(
                "ComputeResources", Match.objectLike(Map.of("Type", "SPOT", "MaxvCpus", 64))));
    }

    @Test
    void synthRefusesWithoutTheLambdaJarAndSaysHowToBuildIt() {
        Artifacts missing = artifacts.withFunctionsJar(Path.of("target/no-such/functions.jar"));
        IllegalStateException e = assertThrows(IllegalStateException.class, missing::requireFunctionsJar);
        assertTrue(e.getMessage().contains("mvn -B -pl functions/lambda -am package"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------- first deploy (16)

    /**
     * Every variable an HTTP API access log may use, from "Customize HTTP API access logs",
     * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html (property-style
     * entries such as $context.authorizer.claims.property are matched by prefix below). REST API variables such as
     * $context.resourcePath are not here: a stage that uses one is rejected and the stack rolls back.
     */
    static final Set<String> HTTP_API_CONTEXT_VARIABLES = Set.of(
            "accountId", "apiId", "authorizer.error", "authorizer.principalId", "awsEndpointRequestId",
            "awsEndpointRequestId2", "customDomain.basePathMatched", "dataProcessed", "domainName", "domainPrefix",
            "error.message", "error.messageString", "error.responseType", "extendedRequestId", "httpMethod",
            "identity.accountId", "identity.caller", "identity.cognitoAuthenticationProvider",
            "identity.cognitoAuthenticationType", "identity.cognitoIdentityId", "identity.cognitoIdentityPoolId",
            "identity.principalOrgId", "identity.clientCert.clientCertPem", "identity.clientCert.subjectDN",
            "identity.clientCert.issuerDN", "identity.clientCert.serialNumber",
            "identity.clientCert.validity.notBefore", "identity.clientCert.validity.notAfter", "identity.sourceIp",
            "identity.user", "identity.userAgent", "identity.userArn", "integration.error",
            "integration.integrationStatus", "integration.latency", "integration.requestId", "integration.status",
            "integrationErrorMessage", "integrationLatency", "integrationStatus", "path", "protocol", "requestId",
            "requestTime", "requestTimeEpoch", "responseLatency", "responseLength", "routeKey", "stage", "status");

    @Test
    void statusApiAccessLogUsesOnlyHttpApiVariables() throws IOException {
        JsonNode stage = only(computeJson, "AWS::ApiGatewayV2::Stage").path("Properties");
        String format = stage.path("AccessLogSettings").path("Format").asText();
        Matcher m = Pattern.compile("\\$context\\.([A-Za-z0-9_.]+)").matcher(format);
        Set<String> used = new TreeSet<>();
        while (m.find()) {
            used.add(m.group(1));
        }
        assertTrue(used.contains("requestId"), "API Gateway requires $context.requestId (or extendedRequestId)");
        for (String v : used) {
            boolean known = HTTP_API_CONTEXT_VARIABLES.contains(v) || v.startsWith("authorizer.claims.")
                    || v.startsWith("authorizer.");
            assertTrue(known, "$context." + v + " is not an HTTP API access-log variable");
        }
        assertFalse(used.contains("path"), "a job's path holds its id, a capability: log the route key instead");
        // One JSON object per line once API Gateway fills the variables in.
        JsonNode line = JSON.readTree(format.replaceAll("\\$context\\.[A-Za-z0-9_.]+", "x"));
        assertEquals("x", line.path("route").asText());
        assertTrue(stage.path("AccessLogSettings").path("DestinationArn").toString().contains("StatusApiAccessLogs"));
    }

    /** Batch's matching: a pattern is exact or ends with '*' (prefix); a rule matches when all its fields match. */
    private static String batchDecision(JsonNode rules, String statusReason, String reason, Integer exitCode) {
        for (JsonNode r : rules) {
            if (globMatches(r.path("OnStatusReason"), statusReason) && globMatches(r.path("OnReason"), reason)
                    && globMatches(r.path("OnExitCode"), exitCode == null ? null : exitCode.toString())) {
                return r.path("Action").asText().toUpperCase();
            }
        }
        return "RETRY"; // Batch retries an attempt that no rule matches
    }

    private static boolean globMatches(JsonNode pattern, String value) {
        if (pattern.isMissingNode()) {
            return true;
        }
        if (value == null) {
            return false;
        }
        String p = pattern.asText();
        return p.endsWith("*") ? value.startsWith(p.substring(0, p.length() - 1)) : value.equals(p);
    }

    @Test
    void workerRetriesCheckpointedStopsLostHostsAndTasksThatNeverStarted() {
        JsonNode rules = jobDefinition("worker").path("Properties").path("RetryStrategy").path("EvaluateOnExit");
        assertTrue(rules.size() <= 5, rules.toString());
        String done = "Essential container in task exited";
        assertEquals("RETRY", batchDecision(rules, done, null, 143), "SIGTERM: checkpoint uploaded, resume");
        assertEquals("RETRY", batchDecision(rules, done, null, 75), "S3/DynamoDB unreachable");
        assertEquals("RETRY", batchDecision(rules, "Host EC2 (instance i-0abc) terminated.", null, null),
                "Spot reclaim without SIGTERM / lost host");
        assertEquals("RETRY", batchDecision(rules, "Task failed to start",
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)", null));
        assertEquals("RETRY", batchDecision(rules, "Task failed to start",
                "ResourceInitializationError: failed to validate logger args", null));
        for (int finalCode : List.of(1, 2, 3, 4, 137)) {
            assertEquals("EXIT", batchDecision(rules, done, null, finalCode), "exit " + finalCode + " is final");
        }
        assertEquals(ComputeStack.WORKER_ATTEMPTS, jobDefinition("worker").path("Properties")
                .path("RetryStrategy").path("Attempts").asInt());
    }

    @Test
    void computeEnvironmentsListExplicitOneGpuSizes() {
        int oneGpu = 0;
        for (var it = computeJson.path("Resources").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().path("Type").asText().equals("AWS::Batch::ComputeEnvironment")) continue;
            List<String> types = new ArrayList<>();
            e.getValue().path("Properties").path("ComputeResources").path("InstanceTypes").forEach(t -> types.add(t.asText()));
            if (e.getKey().startsWith("MultiGpu")) {
                assertEquals(ComputeStack.MULTI_GPU_INSTANCE_TYPES, types);
                types.forEach(t -> assertTrue(t.matches("g[56]\\.12xlarge"), "an explicit 4-GPU size: " + t));
            } else {
                oneGpu++;
                assertEquals(ComputeStack.WORKER_INSTANCE_TYPES, types);
                types.forEach(t -> assertTrue(t.matches("g[56]\\.(x|2x)large"), "an explicit one-GPU size: " + t));
            }
        }
        assertEquals(2, oneGpu);
    }

    @Test
    void containersCannotReachTheInstanceCredentialsAndSpotNoticesBecomeSigterm() {
        JsonNode data = only(computeJson, "AWS::EC2::LaunchTemplate").path("Properties").path("LaunchTemplateData");
        assertEquals(1, data.path("MetadataOptions").path("HttpPutResponseHopLimit").asInt(), "hop limit 1");
        assertEquals("required", data.path("MetadataOptions").path("HttpTokens").asText());
        String userData = data.path("UserData").toString();
        assertTrue(userData.contains(SpotNotice.SCRIPT) && userData.contains("systemctl enable --now --no-block "
                + SpotNotice.UNIT), "the Spot notice watcher is installed and started at boot");
    }

    @Test
    void noSecretValueOrDynamicReferenceInAnyLambdaEnvironment() {
        for (JsonNode fn : all(computeJson, "AWS::Lambda::Function")) {
            String env = fn.path("Properties").path("Environment").toString();
            assertFalse(env.contains("{{resolve:"), "a dynamic reference in a Lambda environment: " + env);
            assertFalse(env.contains("STATUS_TOKEN\""), "the token itself in an environment: " + env);
        }
        assertFalse(computeJson.toString().contains("{{resolve:secretsmanager"), "no secret is resolved anywhere");
        // Only the status function may read secrets, and only its own token.
        for (JsonNode policy : all(computeJson, "AWS::IAM::Policy")) {
            for (JsonNode st : policy.path("Properties").path("PolicyDocument").path("Statement")) {
                if (actionsOf(st).stream().anyMatch(a -> a.startsWith("secretsmanager:"))) {
                    assertTrue(policy.path("Properties").path("Roles").toString().contains("\"StatusRole"),
                            policy.toString());
                    assertEquals(1, resourcesOf(st).size(), st.toString());
                    assertTrue(resourcesOf(st).get(0).matches(".*\"Ref\":\"StatusToken[0-9A-F]+\".*"),
                            st.toString());
                }
            }
        }
        assertTrue(statementsOfRole("StatusRole").stream()
                .anyMatch(st -> actionsOf(st).contains("secretsmanager:GetSecretValue")), "the status role reads it");
    }

    @Test
    void terminateJobOnlyOnJobsTaggedWithThisQueue() throws IOException {
        List<JsonNode> statements = statementsOfRole("Workflow");
        for (String action : List.of("batch:TerminateJob", "batch:TagResource")) {
            JsonNode st = statementWith(statements, action);
            assertEquals(List.of(action), actionsOf(st));
            assertFalse(resourcesOf(st).contains("*"), action + " on *");
            assertTrue(resourcesOf(st).toString().contains(":job/*"), resourcesOf(st).toString());
            String key = action.equals("batch:TerminateJob") ? "aws:ResourceTag/" : "aws:RequestTag/";
            JsonNode tag = st.path("Condition").path("StringEquals").path(key + ComputeStack.JOB_QUEUE_TAG);
            JsonNode queueArn = only(computeJson, "AWS::StepFunctions::StateMachine").path("Properties")
                    .path("DefinitionSubstitutions").path("JobQueueArn");
            assertEquals(queueArn, tag, action + " is conditioned on the queue the workflow submits to: " + st);
            assertTrue(tag.toString().contains("JobQueueArn"), tag.toString());
        }
        // ... and the definition tags every job it submits with exactly that value.
        String definition = Files.readString(artifacts.stateMachine());
        JsonNode states = JSON.readTree(definition).path("States");
        int submits = 0;
        for (var it = states.fields(); it.hasNext(); ) {
            JsonNode state = it.next().getValue();
            if (state.path("Resource").asText().startsWith("arn:aws:states:::batch:submitJob")) {
                submits++;
                assertEquals("${JobQueueArn}", state.path("Parameters").path("Tags").path(ComputeStack.JOB_QUEUE_TAG)
                        .asText(), state.toString());
            }
        }
        assertEquals(4, submits, "base, shards, single, multi-GPU");
    }

    @Test
    void multiGpuJobsAskForAllGpusOfTheirInstanceInTheirOwnQueueAndThePlannerKnowsIt() {
        JsonNode def = withIdPrefix(computeJson, "AWS::Batch::JobDefinition", "MultiGpuWorker").path("Properties");
        JsonNode container = def.path("ContainerProperties");
        Set<String> resources = new TreeSet<>();
        container.path("ResourceRequirements").forEach(r -> resources.add(r.path("Type").asText() + "="
                + r.path("Value").asText()));
        assertEquals(Set.of("GPU=" + ComputeStack.MULTI_GPU_DEVICES, "VCPU=" + ComputeStack.MULTI_GPU_VCPUS,
                "MEMORY=" + ComputeStack.MULTI_GPU_MEMORY_MIB), resources);
        assertEquals(4, ComputeStack.MULTI_GPU_DEVICES, "g5.12xlarge and g6.12xlarge have 4 GPUs");
        assertTrue(ComputeStack.MULTI_GPU_VCPUS <= 48 && ComputeStack.MULTI_GPU_MEMORY_MIB < 192 * 1024,
                "fits the 48 vCPUs and 192 GiB of the instance");
        JsonNode worker = jobDefinition("worker").path("Properties");
        assertEquals("worker", container.path("Command").get(0).asText());
        assertEquals(worker.path("ContainerProperties").path("Image").toString(), container.path("Image").toString());
        assertEquals(worker.path("ContainerProperties").path("JobRoleArn").toString(), container.path("JobRoleArn").toString());
        assertEquals(worker.path("RetryStrategy").toString(), def.path("RetryStrategy").toString());
        assertEquals(worker.path("Timeout").toString(), def.path("Timeout").toString());
        for (String type : List.of("SPOT", "EC2")) {
            compute.hasResourceProperties("AWS::Batch::ComputeEnvironment", Map.of(
                    "Type", "managed",
                    "ComputeResources", Match.objectLike(Map.of(
                            "Type", type,
                            "MinvCpus", 0,
                            "MaxvCpus", ComputeStack.Settings.DEFAULT_MAX_MULTI_GPU_VCPUS,
                            "InstanceTypes", List.of("g5.12xlarge", "g6.12xlarge")))));
        }
        JsonNode order = withIdPrefix(computeJson, "AWS::Batch::JobQueue", "MultiGpuQueue").path("Properties")
                .path("ComputeEnvironmentOrder");
        assertEquals(2, order.size());
        assertTrue(order.get(0).path("ComputeEnvironment").path("Fn::GetAtt").get(0).asText().startsWith("MultiGpuSpot"));
        JsonNode substitutions = only(computeJson, "AWS::StepFunctions::StateMachine").path("Properties")
                .path("DefinitionSubstitutions");
        assertTrue(substitutions.path("MultiGpuJobQueueArn").toString().contains("MultiGpuQueue"), substitutions.toString());
        assertTrue(substitutions.path("MultiGpuJobDefinitionArn").toString().contains("MultiGpuWorker"),
                substitutions.toString());
        compute.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", ComputeStack.HANDLER_PACKAGE + "PlanHandler::handleRequest",
                "Environment", Map.of("Variables", Match.objectLike(Map.of(
                        "MULTI_GPU_DEVICES", "4",
                        "MULTI_GPU_DOLLARS_PER_HOUR", ComputeStack.PLAN_MULTI_GPU_DOLLARS_PER_HOUR)))));
    }

    @Test
    void doctorJobDefinitionRunsTheSmokeTestOnOneGpu() {
        JsonNode def = jobDefinition("doctor").path("Properties");
        JsonNode container = def.path("ContainerProperties");
        List<String> command = new ArrayList<>();
        container.path("Command").forEach(c -> command.add(c.asText()));
        assertEquals(List.of("doctor", "--device", "gpu"), command);
        Set<String> resources = new TreeSet<>();
        container.path("ResourceRequirements").forEach(r -> resources.add(r.path("Type").asText() + "="
                + r.path("Value").asText()));
        assertTrue(resources.contains("GPU=1"), resources.toString());
        assertEquals(container.path("Image").toString(),
                jobDefinition("worker").path("Properties").path("ContainerProperties").path("Image").toString(),
                "the very image the workers run");
        assertTrue(container.path("JobRoleArn").isMissingNode(), "the smoke test touches no data");
        assertEquals(1, def.path("RetryStrategy").path("Attempts").asInt());
        assertEquals(15 * 60, def.path("Timeout").path("AttemptDurationSeconds").asInt());
        compute.hasOutput("DoctorJobDefinitionArn", Map.of());
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static String shortly(Object nagMessage) {
        String text = String.valueOf(nagMessage);
        int end = text.indexOf(": ");
        return end > 0 ? text.substring(0, end) : text;
    }

    private static List<JsonNode> all(JsonNode template, String type) {
        List<JsonNode> found = new ArrayList<>();
        template.path("Resources").forEach(r -> {
            if (type.equals(r.path("Type").asText())) {
                found.add(r);
            }
        });
        return found;
    }

    /** The Batch job definition whose container command starts with {@code command}. */
    static JsonNode jobDefinition(String command) {
        // by logical id ("Worker…", "Doctor…"): the multi-GPU definition ("MultiGpuWorker…") runs "worker" too
        String prefix = Character.toUpperCase(command.charAt(0)) + command.substring(1);
        JsonNode d = withIdPrefix(computeJson, "AWS::Batch::JobDefinition", prefix);
        assertEquals(command, d.path("Properties").path("ContainerProperties").path("Command").get(0).asText());
        return d;
    }

    private static JsonNode withIdPrefix(JsonNode template, String type, String prefix) {
        List<JsonNode> found = new ArrayList<>();
        template.path("Resources").fields().forEachRemaining(e -> {
            if (type.equals(e.getValue().path("Type").asText()) && e.getKey().startsWith(prefix)) found.add(e.getValue());
        });
        assertEquals(1, found.size(), type + " " + prefix + "…");
        return found.get(0);
    }

    private static JsonNode only(JsonNode template, String type) {
        List<JsonNode> found = all(template, type);
        assertEquals(1, found.size(), type);
        return found.get(0);
    }

    private static List<JsonNode> statementsOfRole(String rolePrefix) {
        List<JsonNode> statements = new ArrayList<>();
        computeJson.path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals("AWS::IAM::Policy")
                    && r.path("Properties").path("Roles").toString().contains("\"" + rolePrefix)) {
                r.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
            }
        });
        return statements;
    }

    private static JsonNode statementWith(List<JsonNode> statements, String action) {
        return statements.stream().filter(s -> actionsOf(s).contains(action)).findFirst()
                .orElseThrow(() -> new AssertionError("no statement allows " + action + ": " + statements));
    }

    private static List<String> actionsOf(JsonNode statement) {
        List<String> actions = new ArrayList<>();
        JsonNode a = statement.path("Action");
        if (a.isArray()) {
            a.forEach(x -> actions.add(x.asText()));
        } else {
            actions.add(a.asText());
        }
        return actions;
    }

    private static List<String> resourcesOf(JsonNode statement) {
        List<String> resources = new ArrayList<>();
        JsonNode r = statement.path("Resource");
        if (r.isArray()) {
            r.forEach(x -> resources.add(x.isTextual() ? x.asText() : x.toString()));
        } else {
            resources.add(r.isTextual() ? r.asText() : r.toString());
        }
        return resources;
    }
}
