package io.dreamscape.e2e.stepfunctions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.testing.Loopback;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Executes a state machine definition with the npm package aws-local-stepfunctions in a Node child process
 * ({@code run-execution.mjs} next to this class): Lambda tasks go to the {@link LambdaEndpoint}, Batch tasks to its
 * {@code /batch/} route.
 */
final class LocalStepFunctions {

    record Event(String type, String state, String error) {
    }

    record Execution(String status, JsonNode output, String error, String cause, List<Event> events) {
        boolean succeeded() {
            return "SUCCEEDED".equals(status);
        }

        long count(String type, String state) {
            return events.stream().filter(e -> e.type().equals(type) && state.equals(e.state())).count();
        }

        List<String> statesEntered() {
            return events.stream().filter(e -> e.type().equals("StateEntered")).map(Event::state).toList();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path repo;
    private final Path definition;
    private final LambdaEndpoint endpoint;
    private final Path work;

    /** {@code definition}: the deployable ASL with its placeholders already substituted. */
    LocalStepFunctions(Path repo, Path definition, LambdaEndpoint endpoint, Path work) {
        this.repo = repo;
        this.definition = definition;
        this.endpoint = endpoint;
        this.work = work;
    }

    Execution run(JsonNode input) throws IOException, InterruptedException {
        Path inputFile = Files.createTempFile(Files.createDirectories(work), "input-", ".json");
        Files.write(inputFile, JSON.writeValueAsBytes(input));
        Path script = repo.resolve("tests/src/test/java/io/dreamscape/e2e/stepfunctions/run-execution.mjs");
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), repo.resolve("tests/node_modules").toString(),
                definition.toString(), inputFile.toString(), endpoint.uri() + "/batch/");
        Map<String, String> env = pb.environment();
        env.put("AWS_ENDPOINT_URL_LAMBDA", endpoint.uri().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", Loopback.ACCESS);
        env.put("AWS_SECRET_ACCESS_KEY", Loopback.SECRET);
        env.put("AWS_MAX_ATTEMPTS", "1");
        env.put("NODE_NO_WARNINGS", "1");
        Path stderr = Files.createTempFile(work, "node-", ".err");
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the execution did not end within 120 s");
        }
        String lastLine = stdout.strip().lines().reduce((a, b) -> b).orElse("");
        if (p.exitValue() != 0 || !lastLine.startsWith("{")) {
            throw new IllegalStateException("run-execution.mjs exited " + p.exitValue() + "\nstdout: " + stdout
                    + "\nstderr: " + Files.readString(stderr));
        }
        JsonNode line = JSON.readTree(lastLine);
        List<Event> events = new ArrayList<>();
        line.path("events").forEach(e -> events.add(new Event(e.path("type").asText(),
                e.path("state").isMissingNode() ? null : e.path("state").asText(null),
                e.path("error").isMissingNode() ? null : e.path("error").asText(null))));
        return new Execution(line.path("status").asText(), line.path("output"),
                line.path("error").asText(null), line.path("cause").asText(null), events);
    }

    /** The test log at WARN when logback is the binding (s3proxy and the SDK are chatty at INFO). */
    static void quietLogback() {
        try {
            Object root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (root.getClass().getName().equals("ch.qos.logback.classic.Logger")) {
                Class<?> level = Class.forName("ch.qos.logback.classic.Level");
                root.getClass().getMethod("setLevel", level).invoke(root, level.getField("WARN").get(null));
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // another binding: leave logging as it is configured
        }
    }
}
