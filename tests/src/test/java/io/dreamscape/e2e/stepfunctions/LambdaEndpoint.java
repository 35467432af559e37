package io.dreamscape.e2e.stepfunctions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The Lambda Invoke API on loopback ({@code POST /2015-03-31/functions/{name}/invocations}), answering with the
 * function registered under the ARN's function name, plus {@code POST /batch/{state}} for the overridden Batch Task
 * states. aws-local-stepfunctions reaches the first through {@code AWS_ENDPOINT_URL_LAMBDA}.
 *
 * <p>A function that throws answers as Lambda does for an unhandled error: status 200, header
 * {@code X-Amz-Function-Error: Unhandled}, body {@code {"errorType": <exception class>, "errorMessage": ...}}; Step
 * Functions names the error after {@code errorType}.
 */
final class LambdaEndpoint implements AutoCloseable {

    /** One function: JSON in, JSON out, or an exception. */
    @FunctionalInterface
    interface Function {
        JsonNode invoke(JsonNode payload) throws Exception;
    }

    /** The stand-in for a {@code batch:submitJob.sync} task: the evaluated Parameters in, the job description out. */
    @FunctionalInterface
    interface BatchJob {
        JsonNode run(String stateName, JsonNode submitJobParameters) throws BatchJobFailed;
    }

    /** A Batch job that ended FAILED: Step Functions fails the task with {@code States.TaskFailed}. */
    static final class BatchJobFailed extends Exception {
        BatchJobFailed(String cause) {
            super(cause);
        }
    }

    record Invocation(String function, JsonNode payload) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<String, Function> functions = new ConcurrentHashMap<>();
    private final List<Invocation> invocations = new CopyOnWriteArrayList<>();
    private volatile BatchJob batch;

    LambdaEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/2015-03-31/functions/", this::invoke);
        server.createContext("/batch/", this::batch);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void register(String name, Function function) {
        functions.put(name, function);
    }

    void batch(BatchJob job) {
        this.batch = job;
    }

    List<Invocation> invocations() {
        return List.copyOf(invocations);
    }

    long count(String function) {
        return invocations.stream().filter(i -> i.function().equals(function)).count();
    }

    void reset() {
        invocations.clear();
    }

    private void invoke(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String encoded = path.substring("/2015-03-31/functions/".length(), path.lastIndexOf("/invocations"));
            String name = functionName(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
            byte[] body = exchange.getRequestBody().readAllBytes();
            JsonNode payload = body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
            invocations.add(new Invocation(name, payload));
            Function fn = functions.get(name);
            if (fn == null) {
                send(exchange, 404, Map.of("x-amzn-ErrorType", "ResourceNotFoundException"),
                        JSON.createObjectNode().put("message", "Function not found: " + name));
                return;
            }
            try {
                JsonNode result = fn.invoke(payload);
                send(exchange, 200, Map.of(), result == null ? JSON.nullNode() : result);
            } catch (Throwable t) {
                ObjectNode error = JSON.createObjectNode()
                        .put("errorType", t.getClass().getName())
                        .put("errorMessage", String.valueOf(t.getMessage()));
                send(exchange, 200, Map.of("X-Amz-Function-Error", "Unhandled"), error);
            }
        }
    }

    private void batch(HttpExchange exchange) throws IOException {
        try (exchange) {
            String state = URLDecoder.decode(exchange.getRequestURI().getRawPath().substring("/batch/".length()),
                    StandardCharsets.UTF_8);
            JsonNode parameters = JSON.readTree(exchange.getRequestBody().readAllBytes());
            invocations.add(new Invocation("batch:" + state, parameters));
            try {
                send(exchange, 200, Map.of(), batch.run(state, parameters));
            } catch (BatchJobFailed failed) {
                send(exchange, 500, Map.of(), JSON.createObjectNode()
                        .put("error", "States.TaskFailed")
                        .put("cause", failed.getMessage()));
            } catch (RuntimeException e) {
                send(exchange, 500, Map.of(), JSON.createObjectNode()
                        .put("error", "States.TaskFailed")
                        .put("cause", "the worker stand-in broke: " + e));
            }
        }
    }

    /** {@code arn:aws:lambda:region:account:function:NAME[:qualifier]} or a bare name → NAME. */
    static String functionName(String nameOrArn) {
        if (!nameOrArn.startsWith("arn:")) {
            return nameOrArn;
        }
        String[] parts = nameOrArn.split(":");
        return parts[6];
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, JsonNode body)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
