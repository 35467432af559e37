package io.dreamscape.handlers;

import static org.junit.jupiter.api.Assertions.*;

import io.dreamscape.aws.DynamoProgressStore;
import io.dreamscape.job.Job;
import io.dreamscape.job.JobId;
import io.dreamscape.job.JobPatch;
import io.dreamscape.job.JobState;
import io.dreamscape.job.Source;
import io.dreamscape.service.FailService;
import io.dreamscape.testing.Fixtures;
import io.dreamscape.testing.Loopback;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarkFailedHandlerTest {
    private final DynamoProgressStore progress = Loopback.get().newTable();
    private final io.dreamscape.aws.S3ObjectStore objects = Loopback.get().newBucket();
    private final MarkFailedHandler handler = new MarkFailedHandler(new FailService(progress, objects, Clock.systemUTC()));

    private Job job() throws Exception {
        Job j = Job.received(JobId.random(), new Source("b", "uploads/x.jpg", null, "etag-" + System.nanoTime(), 1), Instant.now());
        progress.create(j);
        return j;
    }

    private static Map<String, Object> input(Object jobId, String error, String cause) {
        Map<String, Object> in = new HashMap<>();
        if (jobId != null) in.put("jobId", jobId.toString());
        in.put("error", Map.of("Error", error, "Cause", cause));
        return in;
    }

    @Test
    void recordsALambdaErrorMessage() throws Exception {
        Job j = job();
        Map<String, Object> out = handler.handleRequest(input(j.jobId(), "java.lang.IllegalStateException",
                "{\"errorMessage\":\"shard 2 of 4 has no result (jobs/x/shards/1.png): its GPU job did not finish\","
                        + "\"errorType\":\"java.lang.IllegalStateException\",\"stackTrace\":[\"a.b(C.java:1)\"]}"), null);
        assertEquals(Boolean.TRUE, out.get("recorded"));
        Job read = progress.get(j.jobId()).orElseThrow();
        assertEquals(JobState.FAILED, read.state());
        assertEquals("shard 2 of 4 has no result (jobs/x/shards/1.png): its GPU job did not finish", read.error());
    }

    @Test
    void explainsABatchFailure() throws Exception {
        Job j = job();
        String cause = "{\"Status\":\"FAILED\",\"StatusReason\":\"Essential container in task exited\","
                + "\"Attempts\":[{\"Container\":{\"ExitCode\":137,\"Reason\":\"OutOfMemoryError: Container killed due to memory usage\"}}]}";
        handler.handleRequest(input(j.jobId(), "States.TaskFailed", cause), null);
        String reason = progress.get(j.jobId()).orElseThrow().error();
        assertTrue(reason.startsWith("the GPU job failed: Essential container in task exited (exit code 137"), reason);
        assertTrue(reason.contains("OutOfMemoryError"), reason);
    }

    @Test
    void explainsTimeouts() {
        assertEquals("a step took longer than its time limit", FailService.describe("States.Timeout", ""));
        assertEquals("the workflow failed with Custom.Error", FailService.describe("Custom.Error", null));
    }

    @Test
    void findsOrCreatesTheJobFromTheOriginalEventWhenThereIsNoJobId() throws Exception {
        Map<String, Object> in = new HashMap<>(Fixtures.objectCreated("b", "uploads/early fail.jpg", 10, "etag-early"));
        in.put("error", Map.of("Error", "Lambda.ServiceException", "Cause", "Lambda was throttled"));
        Map<String, Object> out = handler.handleRequest(in, null);
        JobId id = JobId.of((String) out.get("jobId"));
        Job read = progress.get(id).orElseThrow();
        assertEquals(JobState.FAILED, read.state());
        assertEquals("uploads/early fail.jpg", read.source().key());
        assertEquals("Lambda was throttled", read.error());
        // The same event again finds the same job.
        assertEquals(id.value(), handler.handleRequest(in, null).get("jobId"));
    }

    @Test
    void findsTheJobValidateClaimedUnderTheUploadsParameters() throws Exception {
        byte[] jpeg = Fixtures.encode(Fixtures.picture(40, 30), "jpg");
        Map<String, Object> event = Fixtures.upload(objects.bucket(), "uploads/claimed.jpg", jpeg, "{\"steps\": 2}");
        Map<String, Object> v = new ValidateHandler(new io.dreamscape.service.ValidateService(objects, progress,
                io.dreamscape.service.Limits.DEFAULT, Clock.systemUTC())).handleRequest(event, null);
        Map<String, Object> in = new HashMap<>(event);
        in.put("error", Map.of("Error", "States.Timeout", "Cause", ""));
        assertEquals(v.get("jobId"), handler.handleRequest(in, null).get("jobId"));
    }

    @Test
    void neverOverwritesACompletedJob() throws Exception {
        Job j = job();
        progress.advance(j.jobId(), JobState.ASSEMBLING, JobPatch.NONE);
        progress.transition(j.jobId(), JobState.ASSEMBLING, JobState.COMPLETED, JobPatch.completed("o", "p", "t"));
        Map<String, Object> out = handler.handleRequest(input(j.jobId(), "States.Timeout", ""), null);
        assertEquals(Boolean.FALSE, out.get("recorded"));
        assertEquals(JobState.COMPLETED, progress.get(j.jobId()).orElseThrow().state());
    }
}
