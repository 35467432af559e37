package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.*;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.JobId;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.service.AssembleService;
import io.dreamscape.service.Limits;
import io.dreamscape.service.PlanService;
import io.dreamscape.service.Planner;
import io.dreamscape.service.PlannerConfig;
import io.dreamscape.service.StatusService;
import io.dreamscape.service.ValidateService;
import io.dreamscape.stitch.PngRowWriter;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** validate → plan → (test double of the GPU worker) → assemble → COMPLETED in the status API, on loopback servers. */
class WalkthroughTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int W = 300;
    private static final int H = 200;
    /** Each fake shard brightens its pixels by its own amount: a hard cut would show an 8-bit step of up to 60. */
    private static final int[] OFFSET = {0, 60, 20, 40};

    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final Clock clock = Clock.systemUTC();

    @TempDir
    Path scratch;

    @Test
    void aJobGoesFromUploadToCompletedAndSeamless() throws Exception {
        ValidateHandler validate = new ValidateHandler(new ValidateService(objects, progress, Limits.DEFAULT, clock));
        // A slow "GPU" so that even 300×200 is split into a 2×2 grid with 16-pixel halos.
        PlanHandler plan = new PlanHandler(new PlanService(objects, progress,
                new Planner(new PlannerConfig(1_000, 60, 4, 1.0, 0, 16)), clock));
        AssembleHandler assemble = new AssembleHandler(new AssembleService(objects, progress, scratch));
        StatusHandler status = new StatusHandler(new StatusService(progress, objects, Duration.ofMinutes(10), clock), "s3cret");

        BufferedImage source = Fixtures.picture(W, H);
        byte[] jpeg = Fixtures.encode(source, "jpg");
        Map<String, Object> v = validate.handleRequest(
                Fixtures.upload(objects.bucket(), "uploads/walk.jpg", jpeg, "{\"steps\": 2, \"octaves\": 2, \"quality\": 92}"), null);
        assertEquals(Boolean.FALSE, v.get("rejected"), String.valueOf(v));
        String jobId = (String) v.get("jobId");

        Map<String, Object> p = plan.handleRequest(Map.of("jobId", jobId), null);
        assertEquals(4, p.get("shardCount"));
        assertEquals(4, p.get("arraySize"));
        // Planning again is idempotent: same plan, same seed.
        byte[] planBytes = objects.getBytes(StorageLayout.planKey(JobId.of(jobId)));
        assertEquals(p, plan.handleRequest(Map.of("jobId", jobId), null));
        assertArrayEquals(planBytes, objects.getBytes(StorageLayout.planKey(JobId.of(jobId))));

        Plan thePlan = Plan.fromJson(planBytes);
        assertNotNull(thePlan.parameters().seed());
        assertEquals(W, thePlan.width());
        fakeWorkers(thePlan, source, status, jobId);

        Map<String, Object> a = assemble.handleRequest(Map.of("jobId", jobId), null);
        assertEquals("COMPLETED", a.get("state"));
        StorageLayout.Outputs keys = StorageLayout.outputs("uploads/walk.jpg", JobId.of(jobId));
        assertEquals("outputs/walk.jpg-" + jobId.substring(0, 12) + "/walk.dream.jpg", keys.image());
        assertEquals(keys.image(), a.get("outputKey"));
        assertEquals(a, assemble.handleRequest(Map.of("jobId", jobId), null), "assembling again is harmless");

        BufferedImage out = ImageIO.read(new ByteArrayInputStream(objects.getBytes(keys.image())));
        assertEquals(W, out.getWidth());
        assertEquals(H, out.getHeight());
        assertSeamless(thePlan, source, out);
        BufferedImage preview = ImageIO.read(new ByteArrayInputStream(objects.getBytes(keys.preview())));
        assertEquals(W, preview.getWidth(), "small images keep their size in the preview");
        assertTrue(objects.head(keys.thumb()).isPresent());

        JsonNode done = get(status, "/jobs/" + jobId, null);
        assertEquals("COMPLETED", done.get("state").asText());
        assertEquals(100.0, done.get("percent").asDouble());
        assertEquals(keys.image(), done.get("outputKey").asText());
        URI url = URI.create(done.get("outputUrl").asText());
        assertTrue(url.getQuery().contains("X-Amz-Expires=600"), url.toString());
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertArrayEquals(objects.getBytes(keys.image()), download.body());
        JsonNode list = get(status, "/jobs", "s3cret");
        assertEquals(jobId, list.get("jobs").get(0).get("jobId").asText());

        // A straggler's late progress neither counts nor moves the job back.
        assertFalse(progress.addWork(JobId.of(jobId), 0, 5, 1, Instant.now()));
        assertEquals("COMPLETED", get(status, "/jobs/" + jobId, null).get("state").asText());
    }

    /** The test double of the GPU worker: progress in concurrent chunks, then the halo rectangle as a 16-bit PNG. */
    private void fakeWorkers(Plan plan, BufferedImage source, StatusHandler status, String jobId) throws Exception {
        JobId id = JobId.of(jobId);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> children = new ArrayList<>();
        // A split dream: its base (the whole image's low octaves) counts its work first, under its own index.
        assertTrue(plan.hasBase());
        assertTrue(progress.addWork(id, plan.baseIndex(), plan.baseWork(), plan.baseOctaves() - 1, Instant.now()));
        for (Shard s : plan.shards()) {
            children.add(pool.submit(() -> {
                long already = progress.shardWorkDone(id, s.index());
                long half = s.work() / 2;
                assertTrue(progress.addWork(id, s.index(), half - already, 0, Instant.now()));
                return null;
            }));
        }
        for (Future<?> f : children) f.get();
        JsonNode midway = get(status, "/jobs/" + jobId, null);
        assertEquals("DREAMING", midway.get("state").asText());
        long done = plan.baseWork() + plan.shards().stream().mapToLong(s -> s.work() / 2).sum();
        assertEquals(Math.floor(1000.0 * done / plan.totalWork()) / 10, midway.get("percent").asDouble(), 0.11);
        assertEquals(4, midway.get("shards").size());
        assertEquals(0, midway.get("currentOctave").asInt());
        assertNotNull(midway.get("etaSeconds"));
        children.clear();
        for (Shard s : plan.shards()) {
            children.add(pool.submit(() -> {
                long rest = s.work() - progress.shardWorkDone(id, s.index());
                assertTrue(progress.addWork(id, s.index(), rest, 1, Instant.now()));
                objects.put(s.resultKey(id), shardPng(source, s.halo(), OFFSET[s.index()]), "image/png");
                return null;
            }));
        }
        for (Future<?> f : children) f.get();
        pool.shutdown();
        assertEquals(100.0, get(status, "/jobs/" + jobId, null).get("percent").asDouble());
    }

    /** The shard file of {@code halo} cut from {@code source}, each 8-bit sample raised by {@code offset} (at most 255). */
    static byte[] shardPng(BufferedImage source, Rect halo, int offset) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PngRowWriter w = new PngRowWriter(bytes, halo.width(), halo.height())) {
            int[] row = new int[3 * halo.width()];
            for (int y = halo.y(); y < halo.bottom(); y++) {
                for (int x = halo.x(); x < halo.right(); x++) {
                    int rgb = source.getRGB(x, y);
                    int i = 3 * (x - halo.x());
                    row[i] = 257 * Math.min(255, (rgb >>> 16 & 0xff) + offset);
                    row[i + 1] = 257 * Math.min(255, (rgb >>> 8 & 0xff) + offset);
                    row[i + 2] = 257 * Math.min(255, (rgb & 0xff) + offset);
                }
                w.writeRow(row);
            }
        }
        return bytes.toByteArray();
    }

    /** Across every core boundary the output changes gradually, never by the shards' full difference. */
    private static void assertSeamless(Plan plan, BufferedImage source, BufferedImage out) {
        int cutX = plan.shard(1).core().x();
        int cutY = plan.shard(2).core().y();
        int worst = 0;
        for (int y = 2; y < H - 2; y++) {
            for (int x = cutX - 20; x < cutX + 20; x++) {
                worst = Math.max(worst, Math.abs(green(out, x + 1, y) - green(out, x, y)) - Math.abs(green(source, x + 1, y) - green(source, x, y)));
            }
        }
        for (int x = 2; x < W - 2; x++) {
            for (int y = cutY - 20; y < cutY + 20; y++) {
                worst = Math.max(worst, Math.abs(green(out, x, y + 1) - green(out, x, y)) - Math.abs(green(source, x, y + 1) - green(source, x, y)));
            }
        }
        assertTrue(worst <= 10, "largest extra step across a shard boundary: " + worst + " (a hard cut would be 20-60)");
        // Far inside a core the shard's own offset is kept.
        int inside = green(out, 40, 40) - green(source, 40, 40);
        assertEquals(OFFSET[0], inside, 4);
        int inside3 = green(out, 260, 170) - green(source, 260, 170);
        assertEquals(OFFSET[3], inside3, 4);
    }

    private static int green(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) >>> 8 & 0xff;
    }

    private static JsonNode get(StatusHandler status, String path, String token) throws Exception {
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/status-get-job.json");
        e.setRawPath(path);
        e.getRequestContext().getHttp().setPath(path);
        if (token != null) e.getHeaders().put("Authorization", "Bearer " + token);
        APIGatewayV2HTTPResponse r = status.handleRequest(e, null);
        assertEquals(200, r.getStatusCode(), r.getBody());
        return JSON.readTree(r.getBody());
    }
}
