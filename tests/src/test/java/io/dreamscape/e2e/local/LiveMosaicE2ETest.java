package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamscape.job.Plan;
import io.dreamscape.job.Rect;
import io.dreamscape.job.Shard;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job planned as 4 shards: while it dreams, previewUrl is the whole frame's mosaic (jobs/{id}/live.jpg), which ends
 * up with every shard's own picture in its core (no grey left) and changes as the octaves go by.
 */
class LiveMosaicE2ETest {
    private static final int GREY = 0x808080;

    @TempDir
    Path home;

    @Test
    void aFourShardJobsPreviewCoversTheWholeFrameAndChangesBetweenOctaves() throws Exception {
        byte[] photo = TestImages.photo("eagle.jpg", 700);
        String params = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 2, \"steps\": 2, "
                + "\"tile\": 64, \"jitter\": 8, \"stepSize\": 6, \"seed\": 5}";
        try (LocalModeProcess local = new LocalModeProcess(home.resolve("local"), "--workers", "2", "--step-delay-ms", "300")) {
            local.forceSplit(4).start();
            local.upload("uploads/eagle.jpg", photo, params);
            String jobId = local.awaitJobId("uploads/eagle.jpg", Duration.ofSeconds(60));

            List<BufferedImage> mosaics = new ArrayList<>();
            List<String> urls = new ArrayList<>();
            JsonNode j;
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            do {
                j = local.json("jobs/" + jobId);
                if (j.get("state").asText().equals("DREAMING") && !j.get("previewUrl").isNull()) {
                    String url = j.get("previewUrl").asText();
                    assertTrue(url.startsWith("jobs/" + jobId + "/live.jpg?v="), url);
                    try {
                        mosaics.add(TestImages.decode(local.download(local.page.resolve(url).toString())));
                        urls.add(url);
                    } catch (Exception e) {
                        // the job may have left DREAMING between the two requests (404 then)
                    }
                }
                Thread.sleep(300);
            } while (!j.get("state").asText().matches("COMPLETED|FAILED") && System.nanoTime() < deadline);
            assertEquals("COMPLETED", j.get("state").asText(), j.toString());

            Plan plan = Plan.fromJson(Files.readAllBytes(local.data.resolve(LocalModeProcess.BUCKET)
                    .resolve("jobs/" + jobId + "/plan.json")));
            assertEquals(4, plan.shards().size(), "the planner settings should give 4 shards");
            assertFalse(mosaics.isEmpty(), "no live mosaic was seen while the job dreamed");
            double s = Math.min(1.0, 1024.0 / Math.max(plan.width(), plan.height()));
            for (BufferedImage m : mosaics) {
                assertEquals(Math.round(plan.width() * s), m.getWidth());
                assertEquals(Math.round(plan.height() * s), m.getHeight());
            }
            // Some mosaic shows every shard's core with a picture (not the grey of a shard without one).
            boolean whole = mosaics.stream().anyMatch(m -> plan.shards().stream().allMatch(sh -> pictured(m, sh, s)));
            assertTrue(whole, "no mosaic had a picture in every shard's core (" + mosaics.size() + " seen)");
            // And it changes as the job goes on (octaves, shards publishing).
            long distinct = mosaics.stream().map(LiveMosaicE2ETest::hash).distinct().count();
            assertTrue(distinct >= 2, "the mosaic never changed: " + urls);
            assertTrue(j.get("previewUrl").asText().contains("outputs/"), "a completed job shows the final preview");
        }
    }

    /** True when the core's middle area (inset from the edges, JPEG blur aside) is mostly not grey. */
    private static boolean pictured(BufferedImage m, Shard sh, double s) {
        Rect c = sh.core();
        int x0 = (int) Math.ceil(c.x() * s) + 3;
        int y0 = (int) Math.ceil(c.y() * s) + 3;
        int x1 = (int) Math.floor((c.x() + c.width()) * s) - 3;
        int y1 = (int) Math.floor((c.y() + c.height()) * s) - 3;
        int grey = 0;
        int all = 0;
        for (int y = y0; y < y1; y += 2) {
            for (int x = x0; x < x1; x += 2) {
                int p = m.getRGB(x, y) & 0xffffff;
                boolean g = Math.abs((p >> 16 & 255) - 128) <= 3 && Math.abs((p >> 8 & 255) - 128) <= 3
                        && Math.abs((p & 255) - 128) <= 3;
                if (g) grey++;
                all++;
            }
        }
        return all > 0 && grey < all / 10;
    }

    private static int hash(BufferedImage m) {
        int h = 1;
        for (int y = 0; y < m.getHeight(); y += 3) {
            for (int x = 0; x < m.getWidth(); x += 3) h = 31 * h + m.getRGB(x, y);
        }
        return h;
    }
}
