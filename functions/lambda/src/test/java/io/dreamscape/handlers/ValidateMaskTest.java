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

/** An upload's {@code "mask": "NAME"} names masks/NAME in the bucket; Validate checks it before any GPU starts. */
class ValidateMaskTest {
    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final ValidateHandler handler = new ValidateHandler(new ValidateService(objects, progress, Limits.DEFAULT,
            Clock.systemUTC()));
    private static final byte[] JPEG = Fixtures.encode(Fixtures.picture(300, 200), "jpg");

    private Map<String, Object> upload(String key, String params) throws Exception {
        return handler.handleRequest(Fixtures.upload(objects.bucket(), key, JPEG, params), null);
    }

    private Job job(Map<String, Object> out) throws Exception {
        return progress.get(JobId.of((String) out.get("jobId"))).orElseThrow();
    }

    private void rejected(String key, String mask, String expected) throws Exception {
        Map<String, Object> out = upload(key, "{\"mask\": \"" + mask + "\"}");
        assertEquals(Boolean.TRUE, out.get("rejected"), String.valueOf(out));
        Job j = job(out);
        assertEquals(JobState.FAILED, j.state());
        assertTrue(j.error().contains(expected), "reason was: " + j.error());
    }

    @Test
    void aMaskOfTheImagesShapeInMasksIsAccepted() throws Exception {
        // any size with the image's shape: 150×100 for a 300×200 upload, in a folder under masks/
        objects.put(StorageLayout.maskKey("garden/sky.png"), Fixtures.encode(Fixtures.picture(150, 100), "png"), "image/png");
        Map<String, Object> out = upload("uploads/ok.jpg", "{\"mask\": \"garden/sky.png\"}");
        assertEquals(Boolean.FALSE, out.get("rejected"), String.valueOf(out));
        Job j = job(out);
        assertEquals(JobState.VALIDATED, j.state());
        assertEquals("garden/sky.png", j.parameters().mask());
    }

    @Test
    void aMissingMaskFailsTheJobWithWhereItWasLookedFor() throws Exception {
        rejected("uploads/missing.jpg", "nope.png", "the mask 'nope.png' is not in the bucket (looked for s3://"
                + objects.bucket() + "/masks/nope.png)");
    }

    @Test
    void aMaskOfAnotherShapeFailsTheJobNamingBothRatios() throws Exception {
        objects.put(StorageLayout.maskKey("square.png"), Fixtures.encode(Fixtures.picture(100, 100), "png"), "image/png");
        rejected("uploads/shape.jpg", "square.png",
                "the mask is 100×100 (aspect ratio 1.000) but the image is 300×200 (aspect ratio 1.500)");
    }

    @Test
    void anUnreadableMaskFailsTheJob() throws Exception {
        objects.put(StorageLayout.maskKey("text.png"), "not a picture".getBytes(StandardCharsets.UTF_8), "image/png");
        rejected("uploads/unreadable.jpg", "text.png", "the mask masks/text.png cannot be read as an image");
    }

    @Test
    void aMaskNameOutsideMasksIsRefused() throws Exception {
        rejected("uploads/escape.jpg", "../uploads/other.jpg", "mask '../uploads/other.jpg' is not allowed");
        rejected("uploads/noext.jpg", "sky", "mask 'sky' is not allowed");
    }
}
