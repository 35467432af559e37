package io.dreamscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.ports.ObjectStore;
import io.dreamscape.ports.ProgressStore;
import io.dreamscape.stitch.PngRowWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Local mode in process with a test double for the worker (it writes each shard's halo rectangle, inverted, and counts
 * its work): the S3 endpoint, upload detection, the job runner, the persistent store and the web API together.
 */
class LocalModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    /** Started by each test; JUnit closes it after the test. */
    @AutoClose
    LocalMode mode;

    /** The worker's contract without the engine: an 8-bit inverted copy of the halo rectangle, all work counted. */
    static ShardDreamer fakeWorker(ObjectStore objects, ProgressStore progress) {
        return (JobId id, int index, ai.djl.Device device) -> {
            Plan plan = Plan.fromJson(objects.getBytes(StorageLayout.planKey(id)));
            Shard s = plan.shard(index);
            BufferedImage src = ImageIO.read(objects.open(plan.source().key()));
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try (PngRowWriter w = new PngRowWriter(png, s.withHalo().width(), s.withHalo().height())) {
                int[] row = new int[3 * s.withHalo().width()];
                for (int y = 0; y < s.withHalo().height(); y++) {
                    for (int x = 0; x < s.withHalo().width(); x++) {
                        int rgb = src.getRGB(s.withHalo().x() + x, s.withHalo().y() + y);
                        row[3 * x] = (255 - ((rgb >> 16) & 255)) * 257;
                        row[3 * x + 1] = (255 - ((rgb >> 8) & 255)) * 257;
                        row[3 * x + 2] = (255 - (rgb & 255)) * 257;
                    }
                    w.writeRow(row);
                }
            }
            progress.addWork(id, index, s.work() / 2, 0, Instant.now());
            progress.addWork(id, index, s.work() - s.work() / 2, plan.parameters().octaves() - 1, Instant.now());
            objects.put(s.resultKey(id), png.toByteArray(), "image/png");
        };
    }

    LocalMode start() throws Exception {
        return start(Duration.ofMillis(200));
    }

    /** {@code scanEvery}: an hour leaves only the start-up scan, so what is detected later came through the hook. */
    LocalMode start(Duration scanEvery) throws Exception {
        return start(scanEvery, null);
    }

    LocalMode start(Duration scanEvery, String defaults) throws Exception {
        mode = LocalMode.start(new LocalMode.Config(dir.resolve("data"), "127.0.0.1", 0, 0, "dreamscape", 2, null,
                scanEvery, defaults == null ? null : io.dreamscape.job.ParameterJson.parse(defaults)),
                LocalModeTest::fakeWorker, 0);
        return mode;
    }

    @Test
    void localDefaultsApplyUnderEachUploadsOwnParametersAndAPresetFolderKeepsItsLayers() throws Exception {
        start(Duration.ofMillis(200), "{\"model\": \"tiny.pt\", \"layers\": [\"conv2\"], \"octaves\": 1, \"steps\": 1}");
        try (S3Client s3 = s3()) { // Validate checks that the model is there (the fake worker never loads it)
            s3.putObject(b -> b.bucket("dreamscape").key("models/tiny.pt"), RequestBody.fromBytes(new byte[] {1, 2, 3}));
        }
        HttpResponse<String> r = http.send(authed(mode.pageUrl().resolve("upload?name=a.jpg"))
                .header(WebServer.PARAMS_HEADER, "{\"layers\": [\"conv3\"]}")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg(40, 30))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), "conv3 is a layer of the default model, not of googlenet: " + r.body());
        JsonNode a = awaitJob("uploads/a.jpg", "COMPLETED").get("parameters");
        assertEquals("tiny.pt", a.get("model").asText());
        assertEquals("conv3", a.get("layers").get(0).asText());
        assertEquals(1, a.get("octaves").asInt());
        try (S3Client s3 = s3()) {
            s3.putObject(b -> b.bucket("dreamscape").key("uploads/b.jpg"), RequestBody.fromBytes(jpeg(40, 30)));
        }
        assertEquals("conv2", awaitJob("uploads/b.jpg", "COMPLETED").get("parameters").get("layers").get(0).asText());
        JsonNode config = get("config");
        assertEquals("tiny.pt", config.get("defaults").get("model").asText());
    }

    /** A request that carries this start's token, as a script on this machine would. */
    HttpRequest.Builder authed(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + mode.token());
    }

    S3Client s3() {
        return S3Client.builder().region(Region.US_EAST_1).endpointOverride(mode.s3Endpoint()).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("anything", "at-all")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | 90);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(authed(mode.pageUrl().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    JsonNode awaitJob(String key, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode jobs = get("jobs?key=" + java.net.URLEncoder.encode(key, "UTF-8")).get("jobs");
            if (jobs.size() > 0) {
                last = jobs.get(0);
                if (last.get("state").asText().equals(state)) return last;
                if (last.get("state").asText().equals("FAILED") || last.get("state").asText().equals("COMPLETED")) break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job of " + key + " did not reach " + state + ": " + last);
    }

    @Test
    void anUploadThroughTheS3EndpointIsDreamedAndServed() throws Exception {
        start(Duration.ofHours(1));
        try (S3Client s3 = s3()) {
            s3.putObject(b -> b.bucket("dreamscape").key("uploads/cat.jpg")
                    .metadata(Map.of("dreamscape", "{\"octaves\": 1, \"steps\": 1}")), RequestBody.fromBytes(jpeg(120, 80)));
        }
        JsonNode job = awaitJob("uploads/cat.jpg", "COMPLETED");
        assertEquals(100.0, job.get("percent").asDouble());
        assertEquals(1, job.get("parameters").get("octaves").asInt());
        JsonNode one = get("jobs/" + job.get("jobId").asText());
        String outputKey = "outputs/cat.jpg-" + job.get("jobId").asText().substring(0, 12) + "/cat.dream.jpg";
        assertEquals(outputKey, one.get("outputKey").asText());
        HttpResponse<byte[]> out = http.send(HttpRequest.newBuilder(URI.create(one.get("outputUrl").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, out.statusCode());
        BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(out.body()));
        assertEquals(120, img.getWidth());
        assertEquals(80, img.getHeight());
        assertTrue(Files.isRegularFile(dir.resolve("data/dreamscape/" + outputKey)));
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(
                one.get("outputUrl").asText().replaceAll("sig=[0-9a-f]+", "sig=00"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode());
    }

    @Test
    void theStateFolderIsNotABucket() throws Exception {
        start();
        try (S3Client s3 = s3()) {
            assertEquals(List.of("dreamscape"), s3.listBuckets().buckets().stream().map(b -> b.name()).toList());
        }
        for (String path : List.of("/.dreamscape/progress.secret", "/.dreamscape?list-type=2", "/.dreamscape/progress.mv.db")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(mode.s3Endpoint() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode(), path + " → " + r.statusCode() + " " + r.body());
        }
    }

    @Test
    void aCompletedMultipartUploadIsDetectedByTheHook() throws Exception {
        start(Duration.ofHours(1));
        byte[] img = jpeg(80, 60);
        String key = "uploads/big.jpg";
        try (S3Client s3 = s3()) {
            String uploadId = s3.createMultipartUpload(b -> b.bucket("dreamscape").key(key)
                    .metadata(Map.of("dreamscape", "{\"octaves\": 1, \"steps\": 1}"))).uploadId();
            String etag = s3.uploadPart(b -> b.bucket("dreamscape").key(key).uploadId(uploadId).partNumber(1),
                    RequestBody.fromBytes(img)).eTag();
            s3.completeMultipartUpload(b -> b.bucket("dreamscape").key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        }
        JsonNode job = awaitJob(key, "COMPLETED");
        assertEquals(1, job.get("parameters").get("octaves").asInt());
    }

    @Test
    void aFileCopiedIntoTheUploadsFolderIsPickedUpAndADuplicateMakesNoSecondJob() throws Exception {
        start();
        Path tmp = dir.resolve("dog.jpg");
        Files.write(tmp, jpeg(64, 64));
        Files.copy(tmp, mode.uploadsFolder().resolve("dog.jpg"));
        JsonNode job = awaitJob("uploads/dog.jpg", "COMPLETED");
        try (S3Client s3 = s3()) {
            s3.putObject(b -> b.bucket("dreamscape").key("uploads/dog.jpg"), RequestBody.fromFile(tmp));
        }
        Thread.sleep(1500);
        JsonNode jobs = get("jobs?key=uploads/dog.jpg").get("jobs");
        assertEquals(1, jobs.size(), jobs.toString());
        assertEquals(job.get("jobId").asText(), jobs.get(0).get("jobId").asText());
    }

    @Test
    void aBadUploadFailsWithAReasonAndJobsSurviveARestart() throws Exception {
        start();
        try (S3Client s3 = s3()) {
            s3.putObject(b -> b.bucket("dreamscape").key("uploads/notes.jpg"), RequestBody.fromString("just some text"));
        }
        JsonNode failed = awaitJob("uploads/notes.jpg", "FAILED");
        assertNotNull(failed.get("error").asText());
        assertTrue(failed.get("error").asText().length() > 10, failed.toString());
        mode.close();
        start();
        JsonNode again = awaitJob("uploads/notes.jpg", "FAILED");
        assertEquals(failed.get("jobId").asText(), again.get("jobId").asText());
        assertEquals(1, get("jobs").get("jobs").size());
    }

    @Test
    void thePageUploadFormStoresTheFileWithItsParameters() throws Exception {
        start();
        HttpResponse<String> r = http.send(authed(mode.pageUrl().resolve("upload?name=sky.jpg&preset=classic"))
                .header(WebServer.PARAMS_HEADER, "{\"octaves\":1,\"steps\":1}")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg(50, 40))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("uploads/classic/sky.jpg", JSON.readTree(r.body()).get("key").asText());
        JsonNode job = awaitJob("uploads/classic/sky.jpg", "COMPLETED");
        assertEquals("classic", job.get("parameters").get("preset").asText());
        HttpResponse<String> bad = http.send(authed(mode.pageUrl().resolve("upload?name=x.jpg"))
                .header(WebServer.PARAMS_HEADER, "{\"steps\": 100000}")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg(8, 8))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("steps"), bad.body());
        HttpResponse<String> page = http.send(authed(mode.pageUrl()).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(page.body().contains("local/upload.js") && page.body().contains("id=\"local-upload\""));
    }
}
