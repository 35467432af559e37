package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While a job dreams, the status API's previewUrl shows the working image, and it moves on from octave to octave. */
class LivePreviewE2ETest {
    @TempDir
    Path home;

    @Test
    void previewUrlAppearsWhileDreamingAndChangesBetweenOctaves() throws Exception {
        byte[] photo = TestImages.photo("eagle.jpg", 700);
        String params = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 3, \"steps\": 3, "
                + "\"tile\": 64, \"jitter\": 8, \"stepSize\": 6, \"seed\": 5}";
        try (LocalModeProcess local = new LocalModeProcess(home.resolve("local"), "--workers", "1", "--step-delay-ms", "400")) {
            local.start();
            List<JsonNode> seen = local.uploadAndFollow("uploads/eagle.jpg", photo, params, Duration.ofSeconds(240));
            JsonNode last = seen.get(seen.size() - 1);
            assertEquals("COMPLETED", last.get("state").asText(), last.toString());

            Set<String> live = new LinkedHashSet<>();
            String someUrl = null;
            for (JsonNode j : seen) {
                if (j.get("state").asText().equals("DREAMING") && !j.get("previewUrl").isNull()) {
                    URI u = URI.create(j.get("previewUrl").asText());
                    live.add(u.getPath());
                    someUrl = u.toString();
                }
            }
            assertTrue(live.size() >= 2, "the preview should move on between octaves: " + live);
            assertTrue(live.stream().allMatch(p -> p.contains("/live/0/octave-")), live.toString());
            BufferedImage preview = TestImages.decode(local.download(someUrl));
            assertTrue(Math.max(preview.getWidth(), preview.getHeight()) <= 1024);
            assertTrue(preview.getWidth() > 100, "a picture of the working image, not a placeholder");
            assertTrue(last.get("previewUrl").asText().contains("outputs/"), "a completed job shows the final preview");
        }
    }
}
