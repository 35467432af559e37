package io.dreamscape.e2e.stepfunctions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.testing.Loopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The shared scenarios against LocalStack's S3, DynamoDB, Lambda (the real {@code functions.jar} on the java21
 * runtime) and Step Functions, for people with Docker. Skipped, with the reason printed, when no Docker engine is
 * reachable, as in CI, where the loopback stand-ins ({@link WorkflowExecutionTest}) run instead. The Batch step is not
 * exercised here (LocalStack's community edition has no AWS Batch): the scenarios end before it.
 */
@EnabledIf("dockerIsReachable")
class LocalStackWorkflowTest extends WorkflowScenarios {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "localstack/localstack:4.4.0";
    /** How Lambda containers started by LocalStack reach LocalStack itself. */
    private static final String INSIDE = "http://localhost.localstack.cloud:4566";

    /** Created only when Docker is there: constructing a container already asks Docker about the image. */
    private static LocalStackContainer localstack;
    private static S3Client s3;
    private static SfnClient sfn;
    private static ProgressStore progress;
    private static String bucket;
    private static String stateMachineArn;

    static boolean dockerIsReachable() {
        boolean reachable;
        try {
            reachable = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            reachable = false;
        }
        if (!reachable) {
            System.out.println("SKIPPED LocalStackWorkflowTest: no Docker engine is reachable. The same scenarios run "
                    + "against the loopback stand-ins in WorkflowExecutionTest (what CI runs).");
        }
        return reachable;
    }

    @BeforeAll
    static void deploy() throws Exception {
        Path jar = Loopback.repoRoot().resolve("functions/lambda/target/functions.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar),
                "functions/lambda/target/functions.jar is not built: run `mvn -pl functions/lambda -am package` first");
        localstack = new LocalStackContainer(DockerImageName.parse(IMAGE))
                .withServices("s3", "dynamodb", "lambda", "stepfunctions")
                .withEnv("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT", "120");
        localstack.start();
        var creds = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(localstack.getAccessKey(), localstack.getSecretKey()));
        Region region = Region.of(localstack.getRegion());
        s3 = S3Client.builder().region(region).credentialsProvider(creds).endpointOverride(localstack.getEndpoint())
                .forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        DynamoDbClient dynamo = DynamoDbClient.builder().region(region).credentialsProvider(creds)
                .endpointOverride(localstack.getEndpoint()).httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        sfn = SfnClient.builder().region(region).credentialsProvider(creds).endpointOverride(localstack.getEndpoint())
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        LambdaClient lambda = LambdaClient.builder().region(region).credentialsProvider(creds)
                .endpointOverride(localstack.getEndpoint()).httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();

        bucket = "dreamscape-" + UUID.randomUUID().toString().substring(0, 8);
        String table = "jobs";
        s3.createBucket(b -> b.bucket(bucket));
        DynamoProgressStore.createTable(dynamo, table);
        progress = new DynamoProgressStore(dynamo, table);

        SdkBytes code = SdkBytes.fromByteArray(Files.readAllBytes(jar));
        Map<String, String> env = Map.of("BUCKET", bucket, "TABLE", table,
                "AWS_ENDPOINT_URL_S3", INSIDE, "AWS_ENDPOINT_URL_DYNAMODB", INSIDE);
        String role = "arn:aws:iam::000000000000:role/dreamscape";
        Map<String, String> arns = new LinkedHashMap<>();
        for (String fn : new String[] {"Validate", "Plan", "Assemble", "MarkFailed"}) {
            String arn = lambda.createFunction(b -> b.functionName(fn)
                    .runtime(Runtime.JAVA21)
                    .architectures(Architecture.X86_64)
                    .handler("io.dreamscape.handlers." + fn + "Handler::handleRequest")
                    .role(role)
                    .memorySize(1024)
                    .timeout(120)
                    .environment(e -> e.variables(env))
                    .code(c -> c.zipFile(code))).functionArn();
            lambda.waiter().waitUntilFunctionActiveV2(b -> b.functionName(fn));
            arns.put(fn + "FunctionArn", arn);
        }
        String definition = Files.readString(Loopback.repoRoot().resolve("statemachine/dreamscape.asl.json"));
        for (var e : arns.entrySet()) {
            definition = definition.replace("${" + e.getKey() + "}", e.getValue());
        }
        definition = definition.replace("${JobQueueArn}", AslSubstitutions.JOB_QUEUE)
                .replace("${JobDefinitionArn}", AslSubstitutions.JOB_DEFINITION);
        String asl = definition;
        stateMachineArn = sfn.createStateMachine(b -> b.name("dreamscape")
                .definition(asl)
                .roleArn("arn:aws:iam::000000000000:role/dreamscape-workflow")).stateMachineArn();
    }

    @AfterAll
    static void stopLocalStack() {
        if (localstack != null) {
            localstack.stop();
        }
    }

    @Override
    protected JsonNode upload(String key, byte[] bytes) {
        return Uploads.put(s3, bucket, key, bytes);
    }

    @Override
    protected Outcome execute(JsonNode event) throws Exception {
        String arn = sfn.startExecution(b -> b.stateMachineArn(stateMachineArn)
                .input(event.toString())).executionArn();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(arn));
        while (d.status() == ExecutionStatus.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("execution still running after 5 minutes: " + arn);
            }
            Thread.sleep(500);
            d = sfn.describeExecution(b -> b.executionArn(arn));
        }
        JsonNode output = d.output() == null ? JSON.nullNode() : JSON.readTree(d.output());
        return new Outcome(d.statusAsString(), d.error(), d.cause(), output);
    }

    @Override
    protected ProgressStore progress() {
        return progress;
    }
}
