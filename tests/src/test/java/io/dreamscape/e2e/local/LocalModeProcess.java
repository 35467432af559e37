package io.dreamscape.e2e.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code dreamscape local} as a real child process (a JVM on this test's classpath, like the installed launcher), on
 * free loopback ports with a data folder of the test's own, and the clients the tests use: the AWS SDK v2 S3 client
 * (path-style, endpoint override, any credentials) and plain HTTP for the status API.
 *
 * <p>The tests dream with the tiny TorchScript fixture {@code tiny_dict.pt} (layers conv1-conv3), placed in the
 * bucket's {@code models/} folder, where an upload's {@code "model": "NAME.pt"} is looked up.
 */
final class LocalModeProcess implements AutoCloseable {
    static final String BUCKET = "dreamscape";
    static final String MODEL = "tiny_dict.pt";
    /** Local mode's defaults for uploads without parameters (files dropped into the folder): small and quick. */
    static final String DEFAULTS = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 1, "
            + "\"steps\": 2, \"tile\": 64, \"jitter\": 8, \"stepSize\": 6}";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final Path data;
    final int port;
    final int s3Port;
    final URI page;
    final URI s3Endpoint;
    final Path log;
    /** This process's token (--token), which scripts send as Authorization: Bearer and the page gets from ?token=. */
    final String token = "e2e-token-" + java.util.UUID.randomUUID();
    private final List<String> extra;
    /** Extra environment of the child (e.g. the planner's PlannerConfig variables), set before {@link #start}. */
    final java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private int starts;

    LocalModeProcess(Path home, String... extraArgs) throws IOException {
        this.home = home;
        this.data = home.resolve("data");
        this.port = freePort();
        this.s3Port = freePort();
        this.page = URI.create("http://127.0.0.1:" + port + "/");
        this.s3Endpoint = URI.create("http://127.0.0.1:" + s3Port);
        this.log = home.resolve("local.log");
        this.extra = List.of(extraArgs);
        Files.createDirectories(data.resolve(BUCKET).resolve("models"));
        Files.copy(fixture(MODEL), data.resolve(BUCKET).resolve("models").resolve(MODEL), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(home.resolve("defaults.json"), DEFAULTS);
    }

    /** Starts the process and waits until the web API answers (the S3 endpoint is up before it). */
    LocalModeProcess start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx768m",
                "-cp", childClasspath(), "io.dreamscape.cli.DreamscapeCli", "local",
                "--data", data.toString(), "--port", Integer.toString(port), "--s3-port", Integer.toString(s3Port),
                "--params", home.resolve("defaults.json").toString(), "--progress-seconds", "0.2", "--scan-ms", "300",
                "--token", token));
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("DREAMSCAPE_DEBUG", "1");
        pb.environment().putAll(env);
        Files.writeString(log, "---- start " + (++starts) + ": " + String.join(" ", cmd) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dreamscape local exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (http.send(HttpRequest.newBuilder(page.resolve("config")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("dreamscape local did not answer on " + page + ":\n" + logTail());
    }

    /**
     * SIGKILL: no shutdown hook, no checkpoint on the way out of local mode itself. Its shard processes notice (their
     * stdin closes) and stop; waits until they have gone too, as a restart after a crash would find things.
     */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle c : children) {
            try {
                c.onExit().get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                c.destroyForcibly();
            }
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: shards checkpoint and stop
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    S3Client s3() {
        return S3Client.builder().region(Region.US_EAST_1).endpointOverride(s3Endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("any-key", "any-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    /** PUT through the S3 endpoint with {@code x-amz-meta-dreamscape} = {@code params} (null: none). */
    void upload(String key, byte[] bytes, String params) {
        try (S3Client s3 = s3()) {
            s3.putObject(b -> {
                b.bucket(BUCKET).key(key).contentType("image/jpeg");
                if (params != null) b.metadata(Map.of("dreamscape", params));
            }, RequestBody.fromBytes(bytes));
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(page.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The page's address as local mode prints it: with the token, which the page turns into its cookie. */
    URI pageWithToken() {
        return URI.create(page + "?token=" + token);
    }

    JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) throw new IllegalStateException("GET " + path + " → " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + " → " + r.statusCode());
        return r.body();
    }

    /** The jobs of an upload key, newest first. */
    JsonNode jobsOf(String key) throws IOException, InterruptedException {
        return json("jobs?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8)).get("jobs");
    }

    /** Waits for the job of {@code key} to exist; its id. */
    String awaitJobId(String key, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode jobs = jobsOf(key);
            if (!jobs.isEmpty()) return jobs.get(0).get("jobId").asText();
            Thread.sleep(100);
        }
        throw new AssertionError("no job for " + key + " after " + timeout + "\n" + logTail());
    }

    /** Polls {@code GET /jobs/{id}} until the job is finished; every document seen, in order. */
    List<JsonNode> pollUntilFinished(String jobId, Duration timeout) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode j = json("jobs/" + jobId);
            seen.add(j);
            String state = j.get("state").asText();
            if (state.equals("COMPLETED") || state.equals("FAILED")) return seen;
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not finish within " + timeout + "; last " + seen.get(seen.size() - 1)
                + "\n" + logTail());
    }

    /** Uploads {@code bytes} as {@code key} and polls its job until it has finished; every document seen, in order. */
    List<JsonNode> uploadAndFollow(String key, byte[] bytes, String params, Duration timeout) throws Exception {
        upload(key, bytes, params);
        return pollUntilFinished(awaitJobId(key, Duration.ofSeconds(60)), timeout);
    }

    /**
     * Makes the planner cut this process's jobs into {@code maxShards} shards (call before {@link #start}): a tiny GPU
     * speed and shard target make it want many, {@code MAX_SHARDS} caps them.
     */
    LocalModeProcess forceSplit(int maxShards) {
        env.put("GPU_WORK_UNITS_PER_SECOND", "2000");
        env.put("TARGET_SHARD_SECONDS", "1");
        env.put("MAX_SHARDS", Integer.toString(maxShards));
        return this;
    }

    String logTail() {
        try {
            String all = Files.readString(log);
            return all.length() > 6000 ? all.substring(all.length() - 6000) : all;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("batch-container"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("repository root not found from " + Path.of("").toAbsolutePath());
        return p;
    }

    static Path fixture(String name) {
        return repoRoot().resolve("batch-container/src/test/resources/fixtures").resolve(name);
    }

    /** A real photo from the shared folder beside the repository; the test is skipped (not failed) without it. */
    static Path photo(String name) {
        Path p = repoRoot().getParent().resolve("shared/images").resolve(name);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(p), () -> "test photo absent (../shared not beside the repository): " + p);
        return p;
    }

    /**
     * This JVM's classpath as a list of files: surefire may run tests from a manifest-only jar, whose
     * {@code Class-Path} then names the real entries.
     */
    static String childClasspath() throws IOException {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(File.pathSeparator);
        if (parts.length == 1 && parts[0].endsWith(".jar") && parts[0].contains("surefire")) {
            try (JarFile jar = new JarFile(parts[0])) {
                Manifest m = jar.getManifest();
                String entries = m.getMainAttributes().getValue("Class-Path");
                List<String> files = new ArrayList<>();
                for (String e : entries.trim().split("\\s+")) {
                    files.add(Path.of(URI.create(e.startsWith("file:") ? e : "file:" + e)).toString());
                }
                return String.join(File.pathSeparator, files);
            }
        }
        return cp;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
