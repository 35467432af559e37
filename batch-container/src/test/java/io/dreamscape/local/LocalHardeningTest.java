package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.job.JobId;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The faults of issue #12 that live in local mode's job handling, on the real servers in process with the worker's
 * test double: outputs that replaced each other, errors found only by the worker, keys the folder store cannot hold,
 * and what local mode left lying around.
 */
class LocalHardeningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger shardsStarted = new AtomicInteger();

    @TempDir
    Path dir;

    /** Started by each test; JUnit closes it after the test. */
    @AutoClose
    LocalMode mode;

    /** The test double, counting every shard it is asked to dream and leaving a checkpoint as a worker would. */
    ShardDreamer countingWorker(ObjectStore objects, ProgressStore progress) {
        ShardDreamer inner = LocalModeTest.fakeWorker(objects, progress);
        return (JobId id, int index, ai.djl.Device device) -> {
            shardsStarted.incrementAndGet();
            objects.put(StorageLayout.checkpointPrefix(id, index) + "state.bin", new byte[] {1, 2, 3}, "application/octet-stream");
            inner.dream(id, index, device);
        };
    }

    void start() throws Exception {
        mode = LocalMode.start(new LocalMode.Config(dir.resolve("data"), "127.0.0.1", 0, 0, "dreamscape", 1, null,
                Duration.ofMillis(200), null), this::countingWorker, 0);
    }

    S3Client s3() {
        return WebServerAuthTest.s3(mode.s3Endpoint(), "any", "thing");
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(mode.pageUrl().resolve(path))
                .header("Authorization", "Bearer " + mode.token()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + " → " + r.body());
        return JSON.readTree(r.body());
    }

    JsonNode awaitFinished(String key, int jobs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode list = null;
        while (System.nanoTime() < deadline) {
            list = get("jobs?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8)).get("jobs");
            if (list.size() == jobs && list.get(0).get("state").asText().matches("COMPLETED|FAILED")) return list.get(0);
            Thread.sleep(50);
        }
        throw new AssertionError(key + ": " + list);
    }

    void put(String key, byte[] bytes, String params) {
        try (S3Client s3 = s3()) {
            s3.putObject(b -> {
                b.bucket("dreamscape").key(key);
                if (params != null) b.metadata(Map.of("dreamscape", params));
            }, RequestBody.fromBytes(bytes));
        }
    }

    static byte[] image(int w, int h, String format) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 + y * 3) & 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    BufferedImage download(JsonNode job) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(job.get("outputUrl").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        return ImageIO.read(new ByteArrayInputStream(r.body()));
    }

    @Test
    void sameNamedUploadsAndReUploadsEachKeepTheirOwnOutputs() throws Exception {
        start();
        String quick = "{\"octaves\": 1, \"steps\": 1}";
        put("uploads/eagle.jpg", image(120, 80, "jpg"), quick);
        JsonNode jpg = awaitFinished("uploads/eagle.jpg", 1);
        put("uploads/eagle.png", image(90, 60, "png"), quick);
        JsonNode png = awaitFinished("uploads/eagle.png", 1);
        assertEquals("COMPLETED", jpg.get("state").asText(), jpg.toString());
        assertEquals("COMPLETED", png.get("state").asText(), png.toString());
        assertNotEquals(jpg.get("outputKey").asText(), png.get("outputKey").asText());
        // each download link serves its own job's picture, after both have finished
        jpg = get("jobs/" + jpg.get("jobId").asText());
        assertEquals(120, download(jpg).getWidth());
        assertEquals(90, download(get("jobs/" + png.get("jobId").asText())).getWidth());

        put("uploads/kite.jpg", image(64, 48, "jpg"), quick);
        JsonNode first = awaitFinished("uploads/kite.jpg", 1);
        put("uploads/kite.jpg", image(100, 40, "jpg"), quick); // new bytes under the same key: a new job
        JsonNode second = awaitFinished("uploads/kite.jpg", 2);
        assertEquals("COMPLETED", second.get("state").asText(), second.toString());
        assertNotEquals(first.get("outputKey").asText(), second.get("outputKey").asText());
        assertEquals(64, download(get("jobs/" + first.get("jobId").asText())).getWidth(), "the first result is still its own");
        assertEquals(100, download(get("jobs/" + second.get("jobId").asText())).getWidth());
        Path outputs = dir.resolve("data/dreamscape/outputs");
        try (Stream<Path> files = Files.walk(outputs)) {
            // Besides them each job's folder holds its deep-zoom pyramids (issue 15): {name}.dream.dzi + _files/, and
            // the source's {name}.source.dzi + _files/.
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertEquals(4 * 3, all.stream().filter(f -> !f.toString().contains("_files/") && !f.toString().endsWith(".dzi"))
                    .count(), "4 jobs × image, preview, thumbnail");
            assertEquals(4, all.stream().filter(f -> f.toString().endsWith(".dream.dzi")).count(), "4 jobs × pyramid");
        }
    }

    @Test
    void aMissingModelOrAnUnknownLayerFailsBeforePlanningAndNoShardStarts() throws Exception {
        start();
        put("uploads/m.jpg", image(40, 30, "jpg"), "{\"model\": \"nowhere.pt\"}");
        JsonNode missing = awaitFinished("uploads/m.jpg", 1);
        assertEquals("FAILED", missing.get("state").asText());
        assertTrue(missing.get("error").asText().contains("models/nowhere.pt"), missing.toString());

        put("models/tuple.pt", new byte[] {'P', 'K'}, null);
        put("models/tuple.json", "{\"outputs\": [{\"index\": 0, \"name\": \"conv1\"}]}".getBytes(StandardCharsets.UTF_8), null);
        put("uploads/l.jpg", image(40, 30, "jpg"), "{\"model\": \"tuple.pt\", \"layers\": [\"inception4c\"]}");
        JsonNode layer = awaitFinished("uploads/l.jpg", 1);
        assertEquals("FAILED", layer.get("state").asText());
        assertTrue(layer.get("error").asText().contains("unknown layer 'inception4c'"), layer.toString());

        for (JsonNode j : List.of(missing, layer)) {
            JobId id = JobId.of(j.get("jobId").asText());
            assertFalse(Files.exists(dir.resolve("data/dreamscape/" + StorageLayout.planKey(id))), "never planned");
            assertEquals(0, j.path("shards").size(), j.toString());
        }
        assertEquals(0, shardsStarted.get(), "no shard ever started");
    }

    @Test
    void keysTheFolderStoreCannotHoldAreRefusedWithS3Errors() throws Exception {
        start();
        byte[] img = image(20, 20, "jpg");
        S3Exception tooLong = assertThrows(S3Exception.class, () -> put("uploads/" + "a".repeat(300) + ".jpg", img, null));
        assertEquals(400, tooLong.statusCode());
        assertEquals("KeyTooLong", tooLong.awsErrorDetails().errorCode());
        for (String key : List.of("uploads/./x.jpg", "uploads//x.jpg", "uploads/classic/./x.jpg")) {
            S3Exception e = assertThrows(S3Exception.class, () -> put(key, img, null), key);
            assertEquals(400, e.statusCode(), key);
            assertEquals("InvalidArgument", e.awsErrorDetails().errorCode(), key);
        }
        Thread.sleep(600); // two scans
        assertEquals(0, get("jobs").get("jobs").size());
        try (Stream<Path> files = Files.list(mode.uploadsFolder())) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void theStateFolderIsPrivateScratchIsEmptiedAtStartAndFinishedJobsLeaveNoShards() throws Exception {
        Path scratch = dir.resolve("data/.dreamscape/scratch");
        Files.createDirectories(scratch.resolve("assemble-123"));
        Files.write(scratch.resolve("assemble-123/shard-0.png"), new byte[1000]);
        Files.write(scratch.resolve("upload-1.part"), new byte[1000]);
        Files.setPosixFilePermissions(dir.resolve("data/.dreamscape"), PosixFilePermissions.fromString("rwxr-xr-x"));
        start();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/.dreamscape"))));
        try (Stream<Path> left = Files.list(scratch)) {
            assertEquals(List.of(), left.toList(), "what a kill -9 left in scratch is gone");
        }
        put("uploads/tidy.jpg", image(64, 64, "jpg"), "{\"octaves\": 1, \"steps\": 1}");
        JsonNode done = awaitFinished("uploads/tidy.jpg", 1);
        assertEquals("COMPLETED", done.get("state").asText());
        assertTrue(shardsStarted.get() > 0);
        Path job = dir.resolve("data/dreamscape/jobs/" + done.get("jobId").asText());
        assertTrue(Files.isRegularFile(job.resolve("plan.json")), "the plan stays");
        List<String> left = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < end; Thread.sleep(50)) {
            try (Stream<Path> files = Files.walk(job)) { // removed by the runner just after the job is marked done
                left = files.filter(Files::isRegularFile).map(p -> job.relativize(p).toString()).toList();
            }
            if (left.equals(List.of("plan.json"))) break;
        }
        assertEquals(List.of("plan.json"), left, "shards and checkpoints are removed once the job is done");
        // what an older version (or a crash just after completion) left is swept at the next start
        Files.createDirectories(job.resolve("shards"));
        Files.write(job.resolve("shards/0.png"), new byte[10]);
        mode.close();
        start();
        assertFalse(Files.exists(job.resolve("shards/0.png")), "swept at start");
        assertTrue(Files.isRegularFile(dir.resolve("data/dreamscape/" + done.get("outputKey").asText())), "outputs stay");
    }

    @Test
    void parametersWithTrailingTextOrFractionsAreRefusedByThePage() throws Exception {
        start();
        for (String params : List.of("{\"octaves\": 1} garbage", "{\"steps\": 1.9}")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(mode.pageUrl().resolve("upload?name=s.jpg"))
                    .header("Authorization", "Bearer " + mode.token()).header(WebServer.PARAMS_HEADER, params)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(image(8, 8, "jpg"))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), params + " → " + r.body());
            assertTrue(r.body().contains("more text after") || r.body().contains("whole number"), r.body());
        }
    }
}
