package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.job.StorageLayout;
import io.dreamscape.service.Limits;
import io.dreamscape.service.ValidateService;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Validate step for an upload's {@code "guide"} (an image in guides/) and its layers' channels. */
class GuideAndChannelsValidateTest {
    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final ValidateHandler handler =
            new ValidateHandler(new ValidateService(objects, progress, Limits.DEFAULT, Clock.systemUTC()));
    private static final byte[] JPEG = Fixtures.encode(Fixtures.picture(300, 200), "jpg");

    private Map<String, Object> validate(String key, String params) {
        return handler.handleRequest(Fixtures.upload(objects.bucket(), key, JPEG, params), null);
    }

    private Job rejected(String key, String params, String expected) throws Exception {
        Map<String, Object> out = validate(key, params);
        assertEquals(Boolean.TRUE, out.get("rejected"), String.valueOf(out));
        Job job = progress.get(JobId.of((String) out.get("jobId"))).orElseThrow();
        assertEquals(JobState.FAILED, job.state());
        assertTrue(job.error().contains(expected), "reason was: " + job.error());
        assertTrue(objects.head(StorageLayout.planKey(job.jobId())).isEmpty(), "never planned");
        return job;
    }

    @Test
    void aGuideInTheGuidesFolderIsAccepted() throws Exception {
        objects.put("guides/flowers.png", Fixtures.encode(Fixtures.picture(120, 80), "png"), "image/png");
        Map<String, Object> out = validate("uploads/g1.jpg", "{\"guide\": \"flowers.png\"}");
        assertEquals(Boolean.FALSE, out.get("rejected"), String.valueOf(out));
        Job job = progress.get(JobId.of((String) out.get("jobId"))).orElseThrow();
        assertEquals("flowers.png", job.parameters().guide());
        assertEquals("guides/flowers.png", StorageLayout.guideKey(job.parameters().guide()));
    }

    @Test
    void aMissingOrUnreadableGuideFailsTheJobWithASentence() throws Exception {
        rejected("uploads/g2.jpg", "{\"guide\": \"absent.jpg\"}",
                "guide image 'absent.jpg' is not in the bucket: put it at guides/absent.jpg");
        objects.put("guides/notes.jpg", "just text".getBytes(StandardCharsets.UTF_8), "image/jpeg");
        rejected("uploads/g3.jpg", "{\"guide\": \"notes.jpg\"}", "guide image guides/notes.jpg cannot be used");
        rejected("uploads/g4.jpg", "{\"guide\": \"../uploads/x.jpg\"}", "guide '../uploads/x.jpg' is not allowed");
    }

    @Test
    void aChannelBeyondTheLayerFailsTheJobForGoogLeNetAndForASidecarModel() throws Exception {
        rejected("uploads/c1.jpg", "{\"layers\": [\"inception4c#12,512\"]}",
                "layer 'inception4c' has 512 channels (0 to 511); channel 512 does not exist");
        objects.put("models/tuple.pt", new byte[] {'P', 'K', 3, 4}, "application/octet-stream");
        objects.put("models/tuple.json", """
                {"outputs": [{"index": 0, "name": "conv1", "channels": 8}, {"index": 1, "name": "conv2", "channels": 16}]}
                """.getBytes(StandardCharsets.UTF_8), "application/json");
        rejected("uploads/c2.jpg", "{\"model\": \"tuple.pt\", \"layers\": [\"conv1#8\"]}",
                "layer 'conv1' has 8 channels (0 to 7); channel 8 does not exist");
        rejected("uploads/c3.jpg", "{\"model\": \"tuple.pt\", \"layers\": [\"conv5\"]}",
                "the layers of tuple.pt (models/tuple.json) are: conv1 (8 channels), conv2 (16 channels)");
        Map<String, Object> ok = validate("uploads/c4.jpg", "{\"model\": \"tuple.pt\", \"layers\": [\"conv2#0,15\"]}");
        assertEquals(Boolean.FALSE, ok.get("rejected"), String.valueOf(ok));
    }
}
