package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.aws.S3ObjectStore;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobState;
import io.dreamscape.service.Limits;
import io.dreamscape.service.ValidateService;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ValidateHandlerTest {
    private final S3ObjectStore objects = Loopback.get().newBucket();
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final ValidateHandler handler = handler(Limits.DEFAULT);

    private ValidateHandler handler(Limits limits) {
        return new ValidateHandler(new ValidateService(objects, progress, limits, Clock.systemUTC()));
    }

    private static final byte[] JPEG = Fixtures.encode(Fixtures.picture(300, 200), "jpg");
    private static final byte[] PNG = Fixtures.encode(Fixtures.picture(300, 200), "png");

    private Job job(Map<String, Object> result) throws Exception {
        return progress.get(JobId.of((String) result.get("jobId"))).orElseThrow();
    }

    /** Uploads, validates, and checks the job ended FAILED with a reason containing {@code expected}. */
    private Job rejected(String key, byte[] bytes, String params, String expected) throws Exception {
        return rejected(handler, key, bytes, params, expected);
    }

    private Job rejected(ValidateHandler h, String key, byte[] bytes, String params, String expected) throws Exception {
        Map<String, Object> out = h.handleRequest(Fixtures.upload(objects.bucket(), key, bytes, params), null);
        assertEquals(Boolean.TRUE, out.get("rejected"), String.valueOf(out));
        assertEquals(Boolean.FALSE, out.get("duplicate"));
        Job job = job(out);
        assertEquals(JobState.FAILED, job.state());
        assertTrue(job.error().contains(expected), "reason was: " + job.error());
        assertEquals(job.error(), out.get("reason"));
        return job;
    }

    @Test
    void acceptsAnImageAndRecordsSizeAndParameters() throws Exception {
        Map<String, Object> out = handler.handleRequest(
                Fixtures.upload(objects.bucket(), "uploads/classic/cat.jpg", JPEG, "{\"steps\": 3, \"octaves\": 2}"), null);
        assertEquals(Boolean.FALSE, out.get("duplicate"));
        assertEquals(Boolean.FALSE, out.get("rejected"));
        Job job = job(out);
        assertEquals(JobState.VALIDATED, job.state());
        assertEquals(300, job.width());
        assertEquals(200, job.height());
        assertEquals("JPEG", job.format());
        assertEquals(3, job.parameters().steps());
        assertEquals(2, job.parameters().octaves());
        assertEquals("classic", job.parameters().preset());
        assertEquals("inception4c", job.parameters().layers().get(0).name());
        assertEquals("classic/cat", job.outputName());
    }

    @Test
    void decodesUrlEncodedKeys() throws Exception {
        Map<String, Object> event = Fixtures.upload(objects.bucket(), "uploads/my photo (2).png", PNG, null);
        assertTrue(event.toString().contains("my+photo+%282%29.png"), event.toString());
        Map<String, Object> out = handler.handleRequest(event, null);
        assertEquals(Boolean.FALSE, out.get("rejected"), String.valueOf(out));
        assertEquals("uploads/my photo (2).png", job(out).source().key());
    }

    @Test
    void anUploadReplacedBeforeValidationIsRejectedNotDreamedUnderTheOldEvent() throws Exception {
        Map<String, Object> first = Fixtures.upload(objects.bucket(), "uploads/replaced.jpg", JPEG, null);
        // The same key is overwritten with other bytes before this event is handled.
        Fixtures.upload(objects.bucket(), "uploads/replaced.jpg", Fixtures.encode(Fixtures.picture(50, 40), "jpg"), null);
        Map<String, Object> out = handler.handleRequest(first, null);
        assertEquals(Boolean.TRUE, out.get("rejected"), String.valueOf(out));
        assertTrue(String.valueOf(out.get("reason")).contains("was replaced before it could be read"), String.valueOf(out));
    }

    @Test
    void duplicateEventsMakeExactlyOneJob() throws Exception {
        Map<String, Object> event = Fixtures.upload(objects.bucket(), "uploads/dup.jpg", JPEG, null);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Map<String, Object>>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) results.add(pool.submit(() -> handler.handleRequest(event, null)));
        List<Map<String, Object>> outs = new ArrayList<>();
        for (Future<Map<String, Object>> f : results) outs.add(f.get());
        pool.shutdown();
        assertEquals(1, outs.stream().filter(o -> o.get("duplicate").equals(Boolean.FALSE)).count(), outs.toString());
        assertEquals(1, outs.stream().map(o -> o.get("jobId")).distinct().count());
        // a later redelivery and a re-upload of the same bytes are duplicates too
        assertEquals(Boolean.TRUE, handler.handleRequest(event, null).get("duplicate"));
        assertEquals(Boolean.TRUE, handler.handleRequest(
                Fixtures.upload(objects.bucket(), "uploads/dup.jpg", JPEG, null), null).get("duplicate"));
        assertEquals(1, progress.list(null, 100, null).jobs().size());
    }

    @Test
    void aRetryOfTheSameExecutionIsNotADuplicate() throws Exception {
        Map<String, Object> event = Fixtures.upload(objects.bucket(), "uploads/retry.jpg", JPEG, null);
        event.put("executionId", "arn:aws:states:us-east-1:1:execution:sm:abc");
        Map<String, Object> first = handler.handleRequest(event, null);
        Map<String, Object> again = handler.handleRequest(event, null);
        assertEquals(first.get("jobId"), again.get("jobId"));
        assertEquals(Boolean.FALSE, again.get("duplicate"));
        assertEquals(Boolean.FALSE, again.get("rejected"));
    }

    @Test
    void rejectsNonImages() throws Exception {
        rejected("uploads/notes.jpg", "hello, this is text".getBytes(StandardCharsets.UTF_8), null,
                "not a JPEG, PNG or TIFF image");
    }

    @Test
    void rejectsEmptyFiles() throws Exception {
        rejected("uploads/empty.png", new byte[0], null, "empty (0 bytes)");
    }

    @Test
    void rejectsTruncatedHeaders() throws Exception {
        rejected("uploads/cut.png", Arrays.copyOf(PNG, 20), null, "truncated");
        rejected("uploads/cut.jpg", Arrays.copyOf(JPEG, 40), null, "truncated");
    }

    @Test
    void rejectsHeaderBombsBeforeDecoding() throws Exception {
        rejected("uploads/bomb.png", Fixtures.pngHeaderOnly(70000, 70000), null, "4.9 gigapixels");
    }

    @Test
    void rejectsUnsupportedFormatsByName() throws Exception {
        rejected("uploads/anim.gif", "GIF89a....".getBytes(StandardCharsets.US_ASCII), null, "does not end in .jpg");
    }

    @Test
    void rejectsUnknownPresetFolders() throws Exception {
        rejected("uploads/surreal/cat.jpg", JPEG, null, "unknown preset folder 'surreal'");
        rejected("uploads/a/b/cat.jpg", JPEG, null, "nested too deep");
    }

    @Test
    void rejectsOutOfBoundsAndUnknownParameters() throws Exception {
        rejected("uploads/p1.jpg", JPEG, "{\"steps\": 100000}", "steps is 100000");
        rejected("uploads/p2.jpg", JPEG, "{\"stepz\": 1}", "unknown parameter 'stepz'");
        rejected("uploads/p3.jpg", JPEG, "{\"layers\": [\"inception9z\"]}", "unknown layer 'inception9z'");
        rejected("uploads/p4.jpg", JPEG, "{not json", "x-amz-meta-dreamscape");
        rejected("uploads/p5.jpg", JPEG, "{\"model\": \"../../etc/passwd\"}", "is not allowed");
        rejected("uploads/p6.jpg", JPEG, "{\"maxPixels\": 1000}", "the limit is 1000 pixels");
    }

    @Test
    void rejectsTrailingTextAndFractionsForWholeNumbers() throws Exception {
        rejected("uploads/s1.jpg", JPEG, "{\"octaves\": 1} garbage", "more text after the JSON object ends");
        rejected("uploads/s2.jpg", JPEG, "{\"steps\": 1.9}", "'steps' must be a whole number, not a fraction (1.9)");
        rejected("uploads/s3.jpg", JPEG, "{\"octaves\": 2}{\"octaves\": 3}", "more text after the JSON object ends");
    }

    @Test
    void theSameBytesWithOtherParametersAreANewJobWhileRedeliveriesStayOne() throws Exception {
        // A bad parameter is refused; the user fixes it and uploads the very same picture under the same name.
        Map<String, Object> bad = Fixtures.upload(objects.bucket(), "uploads/again.jpg", JPEG, "{\"steps\": 100000}");
        Map<String, Object> first = handler.handleRequest(bad, null);
        assertEquals(Boolean.TRUE, first.get("rejected"));
        Map<String, Object> fixed = Fixtures.upload(objects.bucket(), "uploads/again.jpg", JPEG, "{\"steps\": 3}");
        assertEquals(bad.toString(), fixed.toString(), "same bytes, same key: the events look alike but for metadata");
        Map<String, Object> second = handler.handleRequest(fixed, null);
        assertEquals(Boolean.FALSE, second.get("duplicate"), String.valueOf(second));
        assertEquals(Boolean.FALSE, second.get("rejected"), String.valueOf(second));
        assertNotEquals(first.get("jobId"), second.get("jobId"));
        assertEquals(3, job(second).parameters().steps());
        // the same event redelivered, or delivered twice at once, is still that one job
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Map<String, Object>>> again = new ArrayList<>();
        for (int i = 0; i < 3; i++) again.add(pool.submit(() -> handler.handleRequest(fixed, null)));
        for (Future<Map<String, Object>> f : again) {
            assertEquals(Boolean.TRUE, f.get().get("duplicate"));
            assertEquals(second.get("jobId"), f.get().get("jobId"));
        }
        pool.shutdown();
        // other metadata that comes to the same effective parameters is the same job (defaults spelled out)
        Map<String, Object> spelled = Fixtures.upload(objects.bucket(), "uploads/again.jpg", JPEG, "{\"steps\": 3, \"octaves\": "
                + io.dreamscape.job.DreamParameters.defaults().octaves() + "}");
        assertEquals(Boolean.TRUE, handler.handleRequest(spelled, null).get("duplicate"));
        // a preset folder changes the effective parameters: another job
        Map<String, Object> preset = handler.handleRequest(
                Fixtures.upload(objects.bucket(), "uploads/classic/again.jpg", JPEG, "{\"steps\": 3}"), null);
        assertEquals(Boolean.FALSE, preset.get("duplicate"));
        assertEquals(3, progress.list("uploads/again.jpg", 100, null).jobs().size()
                + progress.list("uploads/classic/again.jpg", 100, null).jobs().size());
    }

    @Test
    void aMissingModelFailsTheJobBeforePlanning() throws Exception {
        Job job = rejected("uploads/m1.jpg", JPEG, "{\"model\": \"absent.pt\"}", "model 'absent.pt' is not in the bucket");
        assertTrue(job.error().contains("models/absent.pt"), job.error());
        assertTrue(objects.head(io.dreamscape.job.StorageLayout.planKey(job.jobId())).isEmpty(), "never planned");
    }

    @Test
    void anUnknownLayerOfACustomModelFailsTheJobBeforePlanning() throws Exception {
        objects.put("models/tuple.pt", new byte[] {'P', 'K', 3, 4}, "application/octet-stream");
        objects.put("models/tuple.json", """
                {"outputs": [{"index": 0, "name": "conv1"}, {"index": 1, "name": "conv2"}]}
                """.getBytes(StandardCharsets.UTF_8), "application/json");
        Job unknown = rejected("uploads/l1.jpg", JPEG, "{\"model\": \"tuple.pt\", \"layers\": [\"conv9\"]}",
                "unknown layer 'conv9'; the layers of tuple.pt (models/tuple.json) are: conv1, conv2");
        assertTrue(unknown.error().contains("conv1, conv2"), unknown.error());
        // a preset folder names googlenet layers; with a custom model it picks the layer at the same relative depth,
        // as the worker will, so it is accepted (it used to fail in the worker)
        Map<String, Object> preset = handler.handleRequest(Fixtures.upload(objects.bucket(), "uploads/animalist/l2.jpg",
                JPEG, "{\"model\": \"tuple.pt\"}"), null);
        assertEquals(Boolean.FALSE, preset.get("rejected"), String.valueOf(preset));
        Map<String, Object> ok = handler.handleRequest(Fixtures.upload(objects.bucket(), "uploads/l3.jpg", JPEG,
                "{\"model\": \"tuple.pt\", \"layers\": [\"conv2\"]}"), null);
        assertEquals(Boolean.FALSE, ok.get("rejected"), String.valueOf(ok));
        assertEquals(JobState.VALIDATED, job(ok).state());
    }

    @Test
    void rejectsRunsOverTheWorkLimit() throws Exception {
        rejected(handler(new Limits(1_000_000_000L, 1_000_000L)), "uploads/big.jpg", JPEG, "{\"steps\": 50}",
                "work units");
    }

    @Test
    void theServiceCeilingIsRefusedWithWhatToDoAndCannotBeRaisedByMetadata() throws Exception {
        Job job = rejected(handler(new Limits(50_000L, Limits.DEFAULT.maxTotalWork())), "uploads/ceiling.jpg", JPEG,
                "{\"maxPixels\": 2000000000}", "this deployment accepts at most 50000 pixels per image");
        assertTrue(job.error().contains("300×200") && job.error().contains("dreamscape dream"), job.error());
    }

    @Test
    void refusesEventsThatAreNotUploads() {
        assertThrows(IllegalArgumentException.class, () -> handler.handleRequest(Map.of("detail", Map.of()), null));
    }
}
