package io.dreamscape.e2e.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code dreamscape local --workers 2} as a real process: uploads through the S3 protocol and the data folder, bad
 * uploads, duplicates and two jobs at once, observed through the status API.
 */
class LocalModeE2ETest {
    /** The tiny fixture model, 2 octaves of 3 steps, slowed a little per step so progress can be watched. */
    static final String PARAMS = "{\"model\": \"tiny_dict.pt\", \"layers\": [\"conv2\"], \"octaves\": 2, \"steps\": 3, "
            + "\"tile\": 64, \"jitter\": 8, \"stepSize\": 6, \"seed\": 7}";
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final LocalModeSession SESSION = new LocalModeSession("--workers", "2", "--step-delay-ms", "150");

    /** The process all of this class's tests talk to. */
    static LocalModeProcess local() {
        return SESSION.process();
    }

    @Test
    void aPhotoUploadedWithTheS3ClientComesBackDreamedWithProgressRisingToExactly100() throws Exception {
        byte[] photo = TestImages.photo("eagle.jpg", 160);
        local().upload("uploads/eagle.jpg", photo, PARAMS);
        String id = local().awaitJobId("uploads/eagle.jpg", Duration.ofSeconds(30));
        List<JsonNode> seen = local().pollUntilFinished(id, JOB_TIMEOUT);
        JsonNode last = seen.get(seen.size() - 1);
        assertEquals("COMPLETED", last.get("state").asText(), last.toString());
        double previous = -1;
        for (JsonNode j : seen) {
            double p = j.get("percent").asDouble();
            assertTrue(p >= previous, "percent went backwards: " + previous + " → " + p);
            assertTrue(p <= 100.0);
            previous = p;
        }
        assertEquals(100.0, last.get("percent").asDouble());
        assertTrue(seen.stream().anyMatch(j -> j.get("percent").asDouble() > 0 && j.get("percent").asDouble() < 100),
                "no progress was visible between 0 and 100: " + seen.size() + " polls");
        String outputKey = "outputs/eagle.jpg-" + last.get("jobId").asText().substring(0, 12) + "/eagle.dream.jpg";
        assertEquals(outputKey, last.get("outputKey").asText());

        BufferedImage in = TestImages.decode(photo);
        Path file = local().data.resolve("dreamscape/" + outputKey);
        assertTrue(Files.isRegularFile(file), "output in the bucket folder");
        BufferedImage out = TestImages.decode(local().download(last.get("outputUrl").asText()));
        assertEquals(in.getWidth(), out.getWidth());
        assertEquals(in.getHeight(), out.getHeight());
        assertTrue(TestImages.meanDifference(in, out) > 2.0, "the output is not dreamed: it equals the input");
        BufferedImage thumb = TestImages.decode(local().download(last.get("thumbUrl").asText()));
        assertTrue(Math.max(thumb.getWidth(), thumb.getHeight()) <= 256);
    }

    @Test
    void aFileCopiedIntoTheUploadsFolderIsPickedUpAndDreamedWithTheLocalDefaults() throws Exception {
        byte[] photo = TestImages.photo("dog.jpg", 96);
        Path partial = local().home.resolve("dog.jpg.part");
        Files.write(partial, photo);
        Path target = local().data.resolve("dreamscape/uploads/dog.jpg");
        Files.move(partial, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        String id = local().awaitJobId("uploads/dog.jpg", Duration.ofSeconds(30));
        JsonNode job = last(local().pollUntilFinished(id, JOB_TIMEOUT));
        assertEquals("COMPLETED", job.get("state").asText(), job.toString());
        assertEquals("tiny_dict.pt", job.get("parameters").get("model").asText(), "local defaults (--params) apply");
        BufferedImage out = TestImages.decode(local().data.resolve("dreamscape/" + job.get("outputKey").asText()));
        assertEquals(TestImages.decode(photo).getWidth(), out.getWidth());
    }

    @Test
    void badUploadsFailWithAReadableReasonAndTheServerKeepsServing() throws Exception {
        byte[] photo = TestImages.photo("horses.jpg", 96);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("uploads/empty.jpg", new byte[0]);
        bad.put("uploads/cut.jpg", TestImages.truncated(photo, 200));
        bad.put("uploads/list.jpg", TestImages.textAsJpeg());
        bad.put("uploads/bomb.png", TestImages.headerBomb());
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            local().upload(e.getKey(), e.getValue(), PARAMS);
        }
        for (String key : bad.keySet()) {
            String id = local().awaitJobId(key, Duration.ofSeconds(30));
            List<JsonNode> seen = local().pollUntilFinished(id, JOB_TIMEOUT);
            JsonNode last = seen.get(seen.size() - 1);
            assertEquals("FAILED", last.get("state").asText(), key + ": " + last);
            String reason = last.get("error").asText();
            assertTrue(reason.length() >= 15 && !reason.contains("Exception:") && !reason.contains("\tat "),
                    key + ": not a reason a person can act on: " + reason);
        }
        assertTrue(local().jobsOf("uploads/empty.jpg").get(0).get("error").asText().contains("empty"));
        assertTrue(local().jobsOf("uploads/bomb.png").get(0).get("error").asText().contains("70000"),
                local().jobsOf("uploads/bomb.png").toString());
        assertEquals(200, local().get("").statusCode(), "the page is still served");
        local().upload("uploads/horses.jpg", photo, PARAMS);
        String good = local().awaitJobId("uploads/horses.jpg", Duration.ofSeconds(30));
        List<JsonNode> seen = local().pollUntilFinished(good, JOB_TIMEOUT);
        assertEquals("COMPLETED", seen.get(seen.size() - 1).get("state").asText(), seen.get(seen.size() - 1).toString());
    }

    @Test
    void aDuplicateUploadOfIdenticalBytesMakesOneJob() throws Exception {
        byte[] photo = TestImages.photo("person.jpg", 64);
        local().upload("uploads/person.jpg", photo, PARAMS);
        String id = local().awaitJobId("uploads/person.jpg", Duration.ofSeconds(30));
        local().upload("uploads/person.jpg", photo, PARAMS);
        local().pollUntilFinished(id, JOB_TIMEOUT);
        local().upload("uploads/person.jpg", photo, PARAMS);
        Thread.sleep(2000); // detection is immediate; leave time for a second job to show up if there were one
        JsonNode jobs = local().jobsOf("uploads/person.jpg");
        assertEquals(1, jobs.size(), jobs.toString());
        assertEquals(id, jobs.get(0).get("jobId").asText());
    }

    @Test
    void twoUploadsRunAtTheSameTimeWithTwoWorkers() throws Exception {
        String slow = PARAMS.replace("\"steps\": 3", "\"steps\": 6");
        local().upload("uploads/giraffe-a.jpg", TestImages.photo("giraffe.jpg", 96), slow);
        local().upload("uploads/kite-b.jpg", TestImages.photo("kite.jpg", 96), slow);
        String a = local().awaitJobId("uploads/giraffe-a.jpg", Duration.ofSeconds(30));
        String b = local().awaitJobId("uploads/kite-b.jpg", Duration.ofSeconds(30));
        JsonNode ja = last(local().pollUntilFinished(a, JOB_TIMEOUT));
        JsonNode jb = last(local().pollUntilFinished(b, JOB_TIMEOUT));
        assertEquals("COMPLETED", ja.get("state").asText(), ja.toString());
        assertEquals("COMPLETED", jb.get("state").asText(), jb.toString());
        Instant aStart = Instant.parse(ja.get("startedAt").asText());
        Instant aEnd = Instant.parse(ja.get("updatedAt").asText());
        Instant bStart = Instant.parse(jb.get("startedAt").asText());
        Instant bEnd = Instant.parse(jb.get("updatedAt").asText());
        assertTrue(aStart.isBefore(bEnd) && bStart.isBefore(aEnd),
                "the two jobs did not overlap: a " + aStart + "–" + aEnd + ", b " + bStart + "–" + bEnd);
        assertNotEquals(a, b);
        assertFalse(local().logTail().contains("\"level\":\"ERROR\",\"service\":\"dreamscape-local\",\"jobId\":\"" + a));
    }

    private static JsonNode last(List<JsonNode> seen) {
        return seen.get(seen.size() - 1);
    }
}
