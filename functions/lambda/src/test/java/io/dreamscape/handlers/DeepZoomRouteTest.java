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
import io.dreamscape.stitch.DeepZoomWriter;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A completed job's deep-zoom pyramid through the cloud's status API: the status document names the descriptor, the
 * descriptor is served, tiles are short redirects to presigned URLs (never an unsigned bucket path), and a deepest
 * tile holds the output's pixels.
 */
class DeepZoomRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int W = 600;
    private static final int H = 400;

    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final Clock clock = Clock.systemUTC();
    private final StatusHandler status = new StatusHandler(new StatusService(progress, objects, Duration.ofMinutes(10), clock), "t");

    @TempDir
    Path scratch;

    private String completedJob() throws Exception {
        ValidateHandler validate = new ValidateHandler(new ValidateService(objects, progress, Limits.DEFAULT, clock));
        PlanHandler plan = new PlanHandler(new PlanService(objects, progress, new Planner(PlannerConfig.DEFAULT), clock));
        AssembleHandler assemble = new AssembleHandler(new AssembleService(objects, progress, scratch));
        BufferedImage source = Fixtures.picture(W, H);
        Map<String, Object> v = validate.handleRequest(Fixtures.upload(objects.bucket(), "uploads/zoom.jpg",
                Fixtures.encode(source, "jpg"), "{\"steps\": 1, \"octaves\": 1}"), null);
        String jobId = (String) v.get("jobId");
        plan.handleRequest(Map.of("jobId", jobId), null);
        Plan p = Plan.fromJson(objects.getBytes(StorageLayout.planKey(JobId.of(jobId))));
        for (Shard s : p.shards()) {
            objects.put(s.resultKey(JobId.of(jobId)), shardPng(source, s.halo()), "image/png");
        }
        assertEquals("COMPLETED", assemble.handleRequest(Map.of("jobId", jobId), null).get("state"));
        return jobId;
    }

    @Test
    void aCompletedJobOffersItsPyramidThroughTheApiAndTilesOnlyAsSignedUrls() throws Exception {
        String jobId = completedJob();
        JsonNode job = JSON.readTree(call("/prod/jobs/" + jobId).getBody());
        String dziUrl = job.get("deepZoomUrl").asText();
        assertEquals("jobs/" + jobId + "/deepzoom/dream.dzi", dziUrl, "relative to the API root");

        APIGatewayV2HTTPResponse dzi = call("/prod/" + dziUrl);
        assertEquals(200, dzi.getStatusCode());
        assertEquals("application/xml", dzi.getHeaders().get("content-type"));
        assertTrue(dzi.getBody().contains("Width=\"600\"") && dzi.getBody().contains("Height=\"400\""), dzi.getBody());
        assertTrue(dzi.getBody().contains("TileSize=\"254\"") && dzi.getBody().contains("Overlap=\"1\""), dzi.getBody());

        int deepest = DeepZoomWriter.maxLevel(W, H);
        String tilePath = "/prod/jobs/" + jobId + "/deepzoom/dream_files/" + deepest + "/1_1.jpg";
        APIGatewayV2HTTPResponse tile = call(tilePath);
        assertEquals(302, tile.getStatusCode());
        URI location = URI.create(tile.getHeaders().get("location"));
        assertTrue(location.getRawQuery().contains("X-Amz-Signature="), location.toString());
        assertTrue(location.getRawQuery().contains("X-Amz-Expires=300"), "short-lived: " + location);
        assertTrue(location.getRawQuery().contains("X-Amz-Credential="), location.toString());
        assertEquals("", tile.getBody(), "the redirect's body names nothing");

        // The signed URL works; the same key without the signature does not (the bucket is private).
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<byte[]> signed = http.send(HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, signed.statusCode());
        URI unsigned = new URI(location.getScheme(), location.getAuthority(), location.getPath(), null, null);
        assertNotEquals(200, http.send(HttpRequest.newBuilder(unsigned).build(), HttpResponse.BodyHandlers.discarding()).statusCode());

        // Tile (1,1) of the deepest level covers output pixels from (253,253): compare with the output JPEG.
        BufferedImage t = ImageIO.read(new ByteArrayInputStream(signed.body()));
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(objects.getBytes(job.get("outputKey").asText())));
        assertEquals(Math.min(W, 2 * 254 + 1) - 253, t.getWidth());
        assertEquals(Math.min(H, 2 * 254 + 1) - 253, t.getHeight());
        double err = 0;
        for (int y = 0; y < t.getHeight(); y++) {
            for (int x = 0; x < t.getWidth(); x++) {
                err += Math.abs((t.getRGB(x, y) >>> 8 & 0xff) - (out.getRGB(253 + x, 253 + y) >>> 8 & 0xff));
            }
        }
        assertTrue(err / (t.getWidth() * t.getHeight()) < 4, "mean difference to the output " + err / (t.getWidth() * t.getHeight()));
    }

    @Test
    void theSourcesOwnPyramidIsTheBeforeOfTheSlider() throws Exception {
        String jobId = completedJob();
        JsonNode job = JSON.readTree(call("/jobs/" + jobId).getBody());
        assertEquals("jobs/" + jobId + "/deepzoom/source.dzi", job.get("sourceDeepZoomUrl").asText());
        APIGatewayV2HTTPResponse dzi = call("/" + job.get("sourceDeepZoomUrl").asText());
        assertEquals(200, dzi.getStatusCode());
        assertTrue(dzi.getBody().contains("Width=\"600\""), dzi.getBody());
        APIGatewayV2HTTPResponse tile = call("/jobs/" + jobId + "/deepzoom/source_files/" + DeepZoomWriter.maxLevel(W, H) + "/0_0.jpg");
        assertEquals(302, tile.getStatusCode());
        URI location = URI.create(tile.getHeaders().get("location"));
        assertTrue(location.getRawQuery().contains("X-Amz-Signature="), location.toString());
        HttpResponse<byte[]> signed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(location).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        BufferedImage t = ImageIO.read(new ByteArrayInputStream(signed.body()));
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(objects.getBytes("uploads/zoom.jpg")));
        double err = 0;
        for (int y = 0; y < t.getHeight(); y++) {
            for (int x = 0; x < t.getWidth(); x++) {
                err += Math.abs((t.getRGB(x, y) >>> 8 & 0xff) - (src.getRGB(x, y) >>> 8 & 0xff));
            }
        }
        assertTrue(err / (t.getWidth() * t.getHeight()) < 4, "the source tile shows the source: " + err / (t.getWidth() * t.getHeight()));
    }

    @Test
    void anythingButTheDescriptorAndTileShapesIsNotFoundAndNamesNoKey() throws Exception {
        String jobId = completedJob();
        for (String bad : new String[] {"dream_files/../../uploads/zoom.jpg", "dream_files/9/0_0.png", "other.dzi",
                "dream_files/9/a_0.jpg", "%2e%2e/plan.json"}) {
            APIGatewayV2HTTPResponse r = call("/jobs/" + jobId + "/deepzoom/" + bad);
            assertEquals(404, r.getStatusCode(), bad);
            assertFalse(r.getBody().contains("outputs/") || r.getBody().contains(objects.bucket()), r.getBody());
        }
        assertEquals(404, call("/jobs/" + JobId.random() + "/deepzoom/dream.dzi").getStatusCode());
        assertEquals(404, call("/jobs/not-an-id/deepzoom/dream.dzi").getStatusCode());
    }

    @Test
    void theViewerScriptAndImagesComeFromTheApiItself() {
        APIGatewayV2HTTPResponse js = call("/prod/viewer/openseadragon.min.js");
        assertEquals(200, js.getStatusCode());
        assertTrue(js.getBody().contains("OpenSeadragon"));
        APIGatewayV2HTTPResponse png = call("/viewer/images/home_rest.png");
        assertEquals(200, png.getStatusCode());
        assertTrue(png.getIsBase64Encoded());
        assertEquals((byte) 0x89, Base64.getDecoder().decode(png.getBody())[0]);
        assertEquals(404, call("/viewer/../pom.xml").getStatusCode());
    }

    private APIGatewayV2HTTPResponse call(String path) {
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/status-get-job.json");
        e.setRawPath(path);
        return status.handleRequest(e, null);
    }

    /** The shard file of {@code halo} cut from {@code source} unchanged (WalkthroughTest's, with no brightening). */
    private static byte[] shardPng(BufferedImage source, Rect halo) throws Exception {
        return WalkthroughTest.shardPng(source, halo, 0);
    }
}
