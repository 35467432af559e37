package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamscape.job.Plan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode honours {@code TARGET_SHARD_SECONDS} (the README's way to force a split on one machine): the job is
 * planned as several shards with a base job, the base runs first, the shards refine it, and the job completes at
 * exactly 100 %; the base's detail is tidied away with the shards afterwards.
 */
class LocalModeSplitE2ETest {
    @TempDir
    Path home;

    @Test
    void aForcedSplitRunsTheBaseThenTheShardsAndCompletes() throws Exception {
        byte[] photo = TestImages.photo("eagle.jpg", 400);
        String params = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 2, \"steps\": 2, "
                + "\"tile\": 64, \"jitter\": 8, \"seed\": 11}";
        try (LocalModeProcess local = new LocalModeProcess(home.resolve("local"))) {
            local.forceSplit(4).start();
            List<JsonNode> seen = local.uploadAndFollow("uploads/eagle.jpg", photo, params, Duration.ofSeconds(300));
            JsonNode j = seen.get(seen.size() - 1);
            assertEquals("COMPLETED", j.get("state").asText(), j.toString());
            String jobId = j.get("jobId").asText();
            assertEquals(100.0, j.get("percent").asDouble(), j.toString());

            Path bucket = local.data.resolve(LocalModeProcess.BUCKET);
            Plan plan = Plan.fromJson(Files.readAllBytes(bucket.resolve("jobs/" + jobId + "/plan.json")));
            assertEquals(4, plan.shardCount(), "TARGET_SHARD_SECONDS forces the split");
            assertTrue(plan.hasBase(), "a split dream has a base job");
            assertEquals(1, plan.baseOctaves());
            String log = Files.readString(local.log);
            assertTrue(log.contains("dreaming the base"), log);
            assertTrue(log.indexOf("dreaming the base") < log.indexOf("\"shard\":0"), "the base runs before the shards");
            assertFalse(Files.exists(bucket.resolve("jobs/" + jobId + "/base/detail.png")), "the base's detail is tidied away");
            assertTrue(Files.exists(bucket.resolve("outputs")), "the result is written");
        }
    }
}
