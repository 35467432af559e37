package io.dreamscape.infrastructure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code statemachine/dreamscape.asl.json}: valid Amazon States Language (checked by the npm package asl-validator,
 * installed in {@code tests/node_modules} by {@code .ci/install-deps}) and shaped as the workflow needs.
 */
class StateMachineDefinitionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the CDK stack substitutes, with ARNs of the right shape, so the ARN checks run too. */
    static final Map<String, String> SAMPLE_SUBSTITUTIONS = Map.of(
            "ValidateFunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:Validate",
            "PlanFunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:Plan",
            "AssembleFunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:Assemble",
            "MarkFailedFunctionArn", "arn:aws:lambda:eu-west-1:123456789012:function:MarkFailed",
            "JobQueueArn", "arn:aws:batch:eu-west-1:123456789012:job-queue/Queue",
            "JobDefinitionArn", "arn:aws:batch:eu-west-1:123456789012:job-definition/Worker:1",
            "MultiGpuJobQueueArn", "arn:aws:batch:eu-west-1:123456789012:job-queue/MultiGpuQueue",
            "MultiGpuJobDefinitionArn", "arn:aws:batch:eu-west-1:123456789012:job-definition/MultiGpuWorker:1");
    private static final Set<String> LAMBDA_TRANSIENT = Set.of("Lambda.ServiceException",
            "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException");

    private static Path repo;
    private static String raw;
    private static JsonNode states;

    @BeforeAll
    static void load() throws IOException {
        Artifacts artifacts = Artifacts.locate(Path.of(""));
        repo = artifacts.repoRoot();
        raw = artifacts.stateMachineDefinition();
        states = JSON.readTree(raw).path("States");
    }

    static String substituted(String definition) {
        String out = definition;
        for (var e : SAMPLE_SUBSTITUTIONS.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue());
        }
        return out;
    }

    @Test
    void aslValidatorAcceptsTheDefinitionAsCommittedAndAsDeployed() throws Exception {
        Path deployed = Path.of("target", "dreamscape.deployed.asl.json");
        Files.writeString(deployed, substituted(raw));
        assertFalse(Files.readString(deployed).contains("${"), "every placeholder has a sample value");
        Result committed = validate(repo.resolve(Artifacts.STATE_MACHINE));
        assertEquals(0, committed.exit(), committed.output());
        Result asDeployed = validate(deployed);
        assertEquals(0, asDeployed.exit(), asDeployed.output());
    }

    @Test
    void aslValidatorRejectsABrokenTransition() throws Exception {
        ObjectNode broken = (ObjectNode) JSON.readTree(substituted(raw));
        ((ObjectNode) broken.path("States").path("Plan")).put("Next", "NoSuchState");
        Path file = Path.of("target", "dreamscape.broken.asl.json");
        Files.writeString(file, broken.toString());
        Result result = validate(file);
        assertNotEquals(0, result.exit(), "the validator must catch a dangling Next: " + result.output());
    }

    @Test
    void usesJsonPathOnly() throws IOException {
        assertFalse(JSON.readTree(raw).has("QueryLanguage"), "aws-local-stepfunctions ignores JSONata silently");
        states.forEach(s -> assertFalse(s.has("QueryLanguage") || s.has("Arguments") || s.has("Output")));
    }

    @Test
    void noStateSpellsOutTheDefaultRootResultPath() {
        // "ResultPath": "$" is the default (the result replaces the state); aws-local-stepfunctions 3.0.0 writes a
        // key named "$" instead, so the execution tests would not test what AWS runs.
        states.fields().forEachRemaining(e -> assertFalse("$".equals(e.getValue().path("ResultPath").asText(null)),
                e.getKey()));
    }

    @Test
    void everyTaskCatchesEverythingIntoMarkFailedOrFail() {
        List<String> tasks = taskNames();
        assertEquals(List.of("Validate", "Plan", "DreamShards", "DreamSingle", "DreamMultiGpu", "Assemble",
                "MarkFailedByUpload", "MarkFailed"), tasks);
        for (String name : tasks) {
            JsonNode catches = states.path(name).path("Catch");
            assertEquals(1, catches.size(), name);
            assertEquals("States.ALL", catches.get(0).path("ErrorEquals").get(0).asText(), name);
            String next = catches.get(0).path("Next").asText();
            String end = followToTask(next);
            if (name.equals("MarkFailed") || name.equals("MarkFailedByUpload")) {
                assertEquals("Failed", next, name + ": a failing MarkFailed must still end the execution as failed");
            } else {
                assertTrue(end.equals("MarkFailed") || end.equals("MarkFailedByUpload"), name + " -> " + end);
            }
        }
        assertEquals("Fail", states.path("Failed").path("Type").asText());
        assertEquals("Failed", states.path("MarkFailed").path("Next").asText());
    }

    @Test
    void lambdaTasksRetryTransientLambdaErrorsWithBackoffAndHaveTimeouts() {
        for (String name : taskNames()) {
            JsonNode state = states.path(name);
            assertTrue(state.path("TimeoutSeconds").asInt() > 0, name + " has a timeout");
            if (!state.path("Resource").asText().startsWith("${")) {
                continue;
            }
            JsonNode retry = state.path("Retry").get(0);
            Set<String> errors = new TreeSet<>();
            retry.path("ErrorEquals").forEach(e -> errors.add(e.asText()));
            assertTrue(errors.containsAll(LAMBDA_TRANSIENT), name + ": " + errors);
            assertTrue(retry.path("BackoffRate").asDouble() > 1, name);
            assertFalse(errors.contains("States.ALL"), name + ": application errors are not retried");
        }
    }

    @Test
    void batchTasksRunTheArrayOrPlainJobWithTheJobIdAndRetryOnceAfterBatchGaveUp() {
        JsonNode choice = states.path("SingleOrArray");
        // first: a one-shard plan on several GPUs (plans without "devices" skip it: IsPresent, no runtime error)
        JsonNode multi = choice.path("Choices").get(0);
        assertEquals("$.devices", multi.path("And").get(0).path("Variable").asText());
        assertTrue(multi.path("And").get(0).path("IsPresent").asBoolean());
        assertEquals(2, multi.path("And").get(1).path("NumericGreaterThanEquals").asInt());
        assertEquals("DreamMultiGpu", multi.path("Next").asText());
        assertEquals("$.arraySize", choice.path("Choices").get(1).path("Variable").asText());
        assertEquals(2, choice.path("Choices").get(1).path("NumericGreaterThanEquals").asInt());
        assertEquals("DreamShards", choice.path("Choices").get(1).path("Next").asText());
        assertEquals("DreamSingle", choice.path("Default").asText());
        for (String name : List.of("DreamShards", "DreamSingle", "DreamMultiGpu")) {
            JsonNode state = states.path(name);
            assertEquals("arn:aws:states:::batch:submitJob.sync", state.path("Resource").asText());
            JsonNode p = state.path("Parameters");
            assertEquals("States.Format('dream-{}', $.jobId)", p.path("JobName.$").asText());
            boolean multiGpu = name.equals("DreamMultiGpu");
            assertEquals(multiGpu ? "${MultiGpuJobQueueArn}" : "${JobQueueArn}", p.path("JobQueue").asText());
            assertEquals(multiGpu ? "${MultiGpuJobDefinitionArn}" : "${JobDefinitionArn}", p.path("JobDefinition").asText());
            // every job carries the stack's queue tag, which is what lets a stopped execution terminate it
            assertEquals("${JobQueueArn}", p.path("Tags").path("dreamscape:queue").asText(), name);
            assertEquals("$.jobId", p.path("ContainerOverrides").path("Environment").get(0).path("Value.$").asText());
            assertEquals(name.equals("DreamShards"), p.has("ArrayProperties"), name);
            assertTrue(state.path("TimeoutSeconds").asInt() >= 3600, name);
            assertTrue(state.has("ResultSelector"), name + ": the Batch job description stays out of the payload");
            assertEquals("States.TaskFailed", state.path("Retry").get(1).path("ErrorEquals").get(0).asText());
            assertEquals(1, state.path("Retry").get(1).path("MaxAttempts").asInt());
        }
        assertEquals("${JobDefinitionArn}", states.path("DreamShards").path("Parameters").path("JobDefinition")
                .asText());
    }

    @Test
    void duplicateUploadsSucceedAndRejectedUploadsFailWithTheReasonBeforeAnyWork() {
        assertEquals("DuplicateOrRejected", states.path("Validate").path("Next").asText());
        JsonNode duplicate = states.path("DuplicateOrRejected").path("Choices").get(0);
        assertEquals("$.validation.duplicate", duplicate.path("Variable").asText());
        assertEquals("Succeed", states.path(duplicate.path("Next").asText()).path("Type").asText());
        JsonNode rejected = states.path("DuplicateOrRejected").path("Choices").get(1);
        assertEquals("$.validation.rejected", rejected.path("Variable").asText());
        JsonNode fail = states.path(rejected.path("Next").asText());
        assertEquals("Fail", fail.path("Type").asText());
        assertEquals("$.validation.reason", fail.path("CausePath").asText());
        assertEquals("Plan", states.path("DuplicateOrRejected").path("Default").asText());
    }

    @Test
    void validateAndItsCatchPassTheExecutionIdSoARetryIsNotADuplicate() {
        for (String name : List.of("Validate", "MarkFailedByUpload")) {
            JsonNode p = states.path(name).path("Parameters");
            assertEquals("$$.Execution.Id", p.path("executionId.$").asText(), name);
            assertEquals("$.detail", p.path("detail.$").asText(), name);
        }
    }

    private static List<String> taskNames() {
        List<String> names = new ArrayList<>();
        states.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("Task")) {
                names.add(e.getKey());
            }
        });
        return names;
    }

    /** Follows Pass states to the Task (or other state) they lead to. */
    private static String followToTask(String name) {
        String current = name;
        while (states.path(current).path("Type").asText().equals("Pass")) {
            current = states.path(current).path("Next").asText();
        }
        return current;
    }

    record Result(int exit, String output) {
    }

    static Result validate(Path definition) throws Exception {
        Path cli = repo.resolve("tests/node_modules/asl-validator/dist/bin/asl-validator.js");
        assertTrue(Files.isRegularFile(cli), cli + " is missing: run `npm ci --prefix tests` (.ci/install-deps does)");
        Process p = new ProcessBuilder("node", cli.toString(), "--json-path", definition.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "asl-validator did not finish");
        return new Result(p.exitValue(), out);
    }
}
