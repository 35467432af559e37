package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL in the middle of a job, then a restart on the same data folder: the job resumes and completes. */
class LocalModeRestartE2ETest {
    /** 3 octaves of 4 steps, slowed per step: a checkpoint is written at each of the first two octave ends. */
    static final String PARAMS = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 3, \"steps\": 4, "
            + "\"tile\": 64, \"jitter\": 8, \"stepSize\": 6, \"seed\": 11}";

    @TempDir
    Path home;

    @Test
    void aJobKilledMidwayResumesFromItsCheckpointAfterARestartAndCompletes() throws Exception {
        LocalModeProcess local = new LocalModeProcess(home, "--workers", "1", "--step-delay-ms", "250");
        try (local) {
            local.start();
            byte[] photo = TestImages.photo("scream.jpg", 128);
            local.upload("uploads/scream.jpg", photo, PARAMS);
            String id = local.awaitJobId("uploads/scream.jpg", Duration.ofSeconds(30));
            Path checkpoint = local.data.resolve("dreamscape/jobs/" + id + "/checkpoints/0/latest.dsck");
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!Files.exists(checkpoint) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(checkpoint), "no checkpoint was written\n" + local.logTail());
            JsonNode before = local.json("jobs/" + id);
            assertEquals("DREAMING", before.get("state").asText(), before.toString());
            double percentBefore = before.get("percent").asDouble();
            assertTrue(percentBefore > 0 && percentBefore < 100, before.toString());

            local.kill();
            assertTrue(!local.alive());
            local.start();

            List<JsonNode> seen = local.pollUntilFinished(id, Duration.ofSeconds(120));
            JsonNode last = seen.get(seen.size() - 1);
            assertEquals("COMPLETED", last.get("state").asText(), last + "\n" + local.logTail());
            double previous = percentBefore;
            for (JsonNode j : seen) {
                double p = j.get("percent").asDouble();
                assertTrue(p >= previous, "percent went backwards after the restart: " + previous + " → " + p);
                previous = p;
            }
            JsonNode shard = last.get("shards").get(0);
            assertEquals(shard.get("total").asLong(), shard.get("done").asLong(), "work counted twice or lost: " + shard);
            assertTrue(local.logTail().contains("resuming from checkpoint"), "the worker started over\n" + local.logTail());
            BufferedImage out = TestImages.decode(local.download(last.get("outputUrl").asText()));
            BufferedImage in = TestImages.decode(photo);
            assertEquals(in.getWidth(), out.getWidth());
            assertEquals(in.getHeight(), out.getHeight());
        }
    }
}
