package io.dreamscape.e2e.stepfunctions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.worker.WorkerCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine;

/**
 * The Batch task run by the real worker ({@code dreamscape worker}, issue 5) in this JVM, on the CPU: one run per array
 * child, one after the other (DJL allows one gradient collector per JVM), with the environment Batch gives the
 * container ({@code JOB_ID}, {@code BUCKET}, {@code TABLE}, {@code AWS_BATCH_JOB_ARRAY_INDEX}).
 *
 * <p>The upload names its model as the functions' parameter check allows ({@code name.pt}, meant to live in the
 * bucket's {@code models/} folder); this runner points the plan at the local fixture file of that name, because the
 * worker opens the model as a local path.
 */
final class RealWorker implements LambdaEndpoint.BatchJob {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectStore objects;
    private final Map<String, String> awsEnv;
    private final Path models;
    private final Path scratch;

    RealWorker(ObjectStore objects, Map<String, String> awsEnv, Path models, Path scratch) {
        this.objects = objects;
        this.awsEnv = awsEnv;
        this.models = models;
        this.scratch = scratch;
    }

    @Override
    public JsonNode run(String stateName, JsonNode parameters) throws LambdaEndpoint.BatchJobFailed {
        JobId jobId = JobId.of(parameters.path("ContainerOverrides").path("Environment").get(0).path("Value").asText());
        int size = parameters.path("ArrayProperties").path("Size").asInt(0);
        try {
            pointPlanAtLocalModel(jobId);
            for (int index = 0; index < Math.max(1, size); index++) {
                Map<String, String> env = new HashMap<>(awsEnv);
                env.put("JOB_ID", jobId.value());
                // the base job of a split dream comes with SHARD_INDEX (the plan's baseIndex)
                String baseIndex = WorkerStandIn.environment(parameters, "SHARD_INDEX");
                if (baseIndex != null) env.put("SHARD_INDEX", baseIndex);
                if (size > 0) {
                    env.put("AWS_BATCH_JOB_ARRAY_INDEX", Integer.toString(index));
                }
                Path dir = Files.createDirectories(scratch.resolve(jobId.value() + "-" + index));
                int exit = new CommandLine(new WorkerCommand(env))
                        .execute("--device", "cpu", "--scratch", dir.toString(), "--progress-interval", "0.2");
                if (exit != 0) {
                    ObjectNode description = JSON.createObjectNode().put("JobName", parameters.path("JobName").asText())
                            .put("Status", "FAILED").put("StatusReason", "Essential container in task exited");
                    description.putArray("Attempts").addObject().putObject("Container").put("ExitCode", exit);
                    throw new LambdaEndpoint.BatchJobFailed(description.toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode description = JSON.createObjectNode()
                .put("JobId", UUID.randomUUID().toString())
                .put("JobName", parameters.path("JobName").asText())
                .put("Status", "SUCCEEDED");
        if (size > 0) {
            description.putObject("ArrayProperties").put("Size", size);
        }
        return description;
    }

    private void pointPlanAtLocalModel(JobId jobId) throws IOException {
        String key = StorageLayout.planKey(jobId);
        ObjectNode plan = (ObjectNode) JSON.readTree(objects.getBytes(key));
        ObjectNode params = (ObjectNode) plan.path("parameters");
        String model = params.path("model").asText();
        if (model.endsWith(".pt") && !model.contains("/")) {
            params.put("model", models.resolve(model).toAbsolutePath().toString());
            objects.put(key, JSON.writeValueAsBytes(plan), "application/json");
        }
    }
}
